"""The relay: delivers the outbox to the gateway, pulls national decisions, sends audit
checkpoints. One round (:meth:`Relay.run_once`) is what ``siks node relay --once`` runs; the
node app runs rounds in the background (:meth:`Relay.run_forever`).

Delivery is strictly oldest first: a message is never sent before an older one was
acknowledged or refused for good, so the gateway sees the node's approvals in order. When the
link fails the round stops, the head message records the error and its next attempt time
(exponential backoff with jitter, kept in the database so a restart does not reset it), and
the node keeps working: approvals just queue up. Exactly once in effect: the gateway
acknowledges a resend (same message id and digest) without storing it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from certs.signing import SigningCredentials
from certs.trust import CertificateStore
from regional_node.adapters.database import Database
from regional_node.adapters.gateway_link import GatewayLink, LinkDown
from regional_node.adapters.orm import utcnow
from regional_node.domain.sync import Backoff, is_permanent_refusal
from regional_node.service_layer import checkpoints
from regional_node.service_layer.decisions import receive_decision
from regional_node.service_layer.nik_announce import keys_of, mark_announced, unannounced
from regional_node.service_layer.outbox import oldest_pending
from regional_node.service_layer.outbox_delivery import (
    record_delivered,
    record_failure,
    record_refused,
)
from schema.nik_directory_key import NikDirectoryKey
from schema.sync_messages import ChainPoint

log = logging.getLogger("siks.node.relay")

DECISIONS_PER_ROUND = 50


@dataclass
class RelayReport:
    delivered: int = 0
    refused: int = 0
    decisions: int = 0
    announced: int = 0  # NIKs told to the national directory this round
    held_elsewhere: int = 0  # of which another region holds too (the findings follow)
    checkpoint: ChainPoint | None = None
    link_error: str | None = None
    checkpoint_error: str | None = None
    waiting_until: dt.datetime | None = None
    refusals: list[str] = field(default_factory=list)

    @property
    def link_up(self) -> bool:
        return self.link_error is None


class Relay:
    def __init__(self, database: Database, link: GatewayLink, region: str, *,
                 signer: Callable[[], SigningCredentials] | None = None,
                 trust: Callable[[], CertificateStore] | None = None,
                 backoff: Backoff | None = None, rng: random.Random | None = None,
                 clock: Callable[[], dt.datetime] = utcnow, batch: int = 100,
                 checkpoint_interval_s: float = 3600.0,
                 directory_key: NikDirectoryKey | None = None) -> None:
        self.database, self.link, self.region = database, link, region
        self.directory_key = directory_key
        self.signer, self.trust = signer, trust
        self.backoff = backoff or Backoff()
        self.rng = rng or random.Random()
        self.clock, self.batch = clock, batch
        self.checkpoint_interval_s = checkpoint_interval_s
        self._last_checkpoint: dt.datetime | None = None

    async def run_once(self, *, ignore_backoff: bool = False,
                       checkpoint: bool | None = None) -> RelayReport:
        """One round: outbox, then the NIKs not yet announced to the directory (with a
        directory key), then decisions, then a checkpoint when due (or when asked)."""
        report = RelayReport()
        await self._deliver(report, ignore_backoff)
        if report.link_up and report.waiting_until is None and self.directory_key:
            await self._announce(report, self.directory_key)
        if report.link_up and report.waiting_until is None:
            await self._decisions(report)
        due = checkpoint if checkpoint is not None else self._checkpoint_due()
        if report.link_up and report.waiting_until is None and due and self.signer:
            await self._checkpoint(report)
        return report

    async def _deliver(self, report: RelayReport, ignore_backoff: bool) -> None:
        while report.delivered + report.refused < self.batch:
            queued = await oldest_pending(self.database)
            if not queued:
                return
            head, now = queued[0], self.clock()
            if not ignore_backoff and head.next_attempt_at and head.next_attempt_at > now:
                report.waiting_until = head.next_attempt_at
                return
            try:
                answer = await self.link.submit(head.envelope)
            except LinkDown as exc:
                report.link_error = str(exc)
                retry_at = self.backoff.next_attempt(now, head.attempts + 1, self.rng)
                await record_failure(self.database, head.message_id, head.record_ids,
                                     report.link_error, retry_at, now)
                return
            if answer.ok:
                await record_delivered(self.database, head.message_id, head.record_ids,
                                       answer.body, self.clock())
                report.delivered += 1
            elif is_permanent_refusal(answer.status):
                code = str(answer.body.get("code") or f"HTTP_{answer.status}")
                reason = str(answer.body.get("reason") or answer.body.get("message") or "")
                log.error("gateway refused message %s: %s %s", head.message_id, code, reason)
                await record_refused(self.database, head.message_id, code, reason, self.clock())
                report.refused += 1
                report.refusals.append(f"{head.message_id}: {code}")
            else:  # e.g. a 3xx: unexpected, try again later
                report.link_error = f"unexpected answer HTTP {answer.status}"
                retry_at = self.backoff.next_attempt(now, head.attempts + 1, self.rng)
                await record_failure(self.database, head.message_id, head.record_ids,
                                     report.link_error, retry_at, now)
                return

    async def _announce(self, report: RelayReport, key: NikDirectoryKey) -> None:
        """Up to ``batch`` batches of unannounced NIKs; a link down leaves them queued for the
        next round (nothing is marked until the gateway answered)."""
        for _ in range(self.batch):
            batch = await unannounced(self.database)
            if not batch:
                return
            try:
                answer = await self.link.announce_niks(keys_of(batch, key))
            except LinkDown as exc:
                report.link_error = str(exc)
                return
            if not answer.ok:
                report.refusals.append(f"announce: {answer.body.get('code', answer.status)}")
                return
            await mark_announced(self.database, batch)
            report.announced += len(batch)
            report.held_elsewhere += int(answer.body.get("heldElsewhere") or 0)

    async def _decisions(self, report: RelayReport) -> None:
        if self.trust is None:
            return
        try:
            answer = await self.link.fetch_decisions(DECISIONS_PER_ROUND)
            envelopes = answer.body.get("decisions", []) if answer.ok else []
            if not envelopes:
                return
            trust = self.trust()
            results = [(await receive_decision(self.database, trust, self.region, envelope,
                                               self.clock(), self.directory_key)).to_json()
                       for envelope in envelopes]
            await self.link.ack_decisions(results)
            report.decisions += len(results)
        except LinkDown as exc:
            report.link_error = str(exc)

    def _checkpoint_due(self) -> bool:
        if self._last_checkpoint is None:
            return True
        elapsed = (self.clock() - self._last_checkpoint).total_seconds()
        return elapsed >= self.checkpoint_interval_s

    async def _checkpoint(self, report: RelayReport) -> None:
        assert self.signer is not None
        try:
            while True:  # catch up in steps of at most MAX_CHECKPOINT_ENTRIES entries
                prepared = await checkpoints.prepare_checkpoint(self.database, self.signer(),
                                                                self.clock())
                if prepared is None:
                    break
                answer = await self.link.checkpoint(prepared.envelope)
                if answer.ok:
                    await checkpoints.record_acknowledged(self.database, prepared.head,
                                                          prepared.message_id)
                    report.checkpoint = prepared.head
                    continue
                if not await self._adopt_gateway_base(answer.body):
                    report.checkpoint_error = (f"{answer.body.get('code', answer.status)}: "
                                               f"{answer.body.get('reason', '')}")
                    log.error("audit checkpoint refused: %s", report.checkpoint_error)
                    break
            self._last_checkpoint = self.clock()
        except LinkDown as exc:
            report.link_error = str(exc)

    async def _adopt_gateway_base(self, body: dict[str, object]) -> bool:
        """The gateway holds another base (this node lost its checkpoint rows, e.g. restored
        from a backup): adopt it when this chain agrees with it at that size."""
        base = body.get("base")
        if body.get("code") != "CHECKPOINT_BASE_MISMATCH" or not isinstance(base, dict):
            return False
        point = ChainPoint(int(base["size"]), str(base["head"]))
        if await checkpoints.entry_hash_at(self.database, point.size) != point.head:
            return False
        await checkpoints.record_acknowledged(self.database, point, None)
        return True

    async def run_forever(self, stop: asyncio.Event, interval_s: float = 5.0) -> None:
        """Rounds until ``stop`` is set: at once while there is work, else every
        ``interval_s`` or when the backoff allows the next attempt, whichever is later."""
        link_down = False  # logged when the link goes down and when it returns, not every round
        while not stop.is_set():
            wait = interval_s
            try:
                report = await self.run_once()
                if report.link_error and not link_down:
                    log.warning("gateway unreachable: %s (retrying quietly)", report.link_error)
                elif link_down and not report.link_error:
                    log.info("gateway reachable again")
                link_down = bool(report.link_error)
                if not link_down and report.delivered + report.refused >= self.batch:
                    wait = 0.0
                if report.waiting_until is not None:
                    wait = max(0.05, (report.waiting_until - self.clock()).total_seconds())
            except Exception:  # a failed round is logged; the next one runs anyway
                log.exception("relay round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)
