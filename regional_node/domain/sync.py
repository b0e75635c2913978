"""The node's side of the sync with the gateway, as pure rules: outbox states, the relay's
backoff, and what an approved proposal looks like as a submitted record.

No database, no network, no clock (callers pass ``now`` and a random source).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from schema.sync_messages import collect_niks


class OutboxStatus(StrEnum):
    PENDING = "PENDING"  # signed and queued; delivered when the link allows
    DELIVERED = "DELIVERED"  # the gateway acknowledged it (stored, or already had it)
    REFUSED = "REFUSED"  # the gateway refused it for good (reason in last_error)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter, per link: after ``failures`` consecutive failures the
    next attempt waits a random time in ``[d/2, d]`` where ``d = min(cap, base · 2^(n-1))``
    (half fixed so a flapping link is not hammered, half random so 514 nodes coming back after
    an outage do not all retry in the same second)."""

    base_s: float = 1.0
    cap_s: float = 300.0

    def delay(self, failures: int, rng: random.Random) -> float:
        if failures <= 0:
            return 0.0
        ceiling = min(self.cap_s, self.base_s * 2 ** min(failures - 1, 32))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)

    def next_attempt(self, now: dt.datetime, failures: int, rng: random.Random) -> dt.datetime:
        return now + dt.timedelta(seconds=self.delay(failures, rng))


@dataclass(frozen=True, slots=True)
class ApprovedProposal:
    """What is submitted of an approved proposal: its identity, place and approved content."""

    id: str
    kind: str
    desa_code: str
    household_id: int | None
    details: Mapping[str, Any]
    details_digest: str
    approved_at: dt.datetime
    approved_by: str
    musdes: Mapping[str, str] | None = None  # held_on, minutes_number, minutes_sha256
    corrects: str | None = None  # the RETURNED proposal (record) this one corrects


def submission_record(proposal: ApprovedProposal) -> dict[str, Any]:
    """One record of a ``submit`` envelope (schema.sync_messages)."""
    return {
        "id": proposal.id,
        "kind": proposal.kind,
        "desa_code": proposal.desa_code,
        "household_id": proposal.household_id,
        "details": dict(proposal.details),
        "details_digest": proposal.details_digest,
        "approved_at": proposal.approved_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "approved_by": proposal.approved_by,
        "niks": collect_niks(proposal.details),
        **({"musdes": dict(proposal.musdes)} if proposal.musdes else {}),
        **({"corrects": proposal.corrects} if proposal.corrects else {}),
    }


TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def is_permanent_refusal(status: int) -> bool:
    """A 4xx answer (other than timeouts and rate limits) will not change by resending the
    same bytes: the message is set aside as REFUSED instead of blocking the outbox."""
    return 400 <= status < 500 and status not in TRANSIENT_STATUSES
