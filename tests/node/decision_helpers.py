"""National decisions as the gateway signs them (its key from the development PKI the suite's
nodes use, ``SIKS_NODE_PKI_DIR``), received by a node as its relay would receive them."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from sqlalchemy import select

from certs.envelope import make_header, sign_envelope
from certs.reloading import ReloadingTrust
from gateway.inbox.http import GatewaySigner
from regional_node.adapters.orm import Proposal
from regional_node.service_layer.decisions import DecisionResult, receive_decision
from schema.sync_messages import Decision, DecisionKind, Decree, decision_message
from tests.node.proposal_helpers import Node

DECREE = Decree("146/HUK/2026", dt.date(2026, 12, 1), "2026-12", "e" * 64)


def _pki() -> Path:
    return Path(os.environ["SIKS_NODE_PKI_DIR"])


async def decide(node: Node, kind: DecisionKind, *pids: str, reason: str | None = None,
                 decree: Decree | None = None) -> DecisionResult:
    """Kemensos' decision on ``pids``, signed by the gateway, applied at ``node``."""
    async with node.database.reader() as session:
        desas = dict((await session.execute(select(Proposal.id, Proposal.desa_code).where(
            Proposal.id.in_(pids)))).all())
    credentials = GatewaySigner(_pki())()
    now = dt.datetime.now(dt.UTC)
    decision = Decision(kind, tuple(pids), decree, reason)
    header = make_header(action=decision.action.value, sender_id=credentials.holder.id,
                         receiver_id="32.73", total_count=len(pids), message_ts=now)
    envelope = sign_envelope(header, decision_message(decision, desas),
                             credentials.private_key, credentials.kid,
                             certificate=credentials.certificate)
    result = await receive_decision(node.database, ReloadingTrust(_pki())(), "32.73", envelope,
                                    now)
    assert result.status == "APPLIED", result
    return result


async def return_(node: Node, pid: str, reason: str = "foto rumah tidak jelas"
                  ) -> DecisionResult:
    return await decide(node, DecisionKind.RETURNED, pid, reason=reason)


async def determine(node: Node, *pids: str, decree: Decree = DECREE) -> DecisionResult:
    return await decide(node, DecisionKind.DETERMINED, *pids, decree=decree)
