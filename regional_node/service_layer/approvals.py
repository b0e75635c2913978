"""Batch approval (pengesahan) by Dinas Sosial: many verified proposals approved in one unit
of work, their records signed and queued as ONE envelope (docs/sync.md). All or nothing: one
refused proposal refuses the batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from regional_node.adapters.orm import Proposal
from regional_node.service_layer.outbox import queue_approved
from regional_node.service_layer.proposals import approve_proposal, proposal_id
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.errors import InvalidInput
from schema.roles import Principal

MAX_BATCH = 1_000


async def approve_batch(uow: UnitOfWork, principal: Principal, ids: Sequence[str],
                        node_region: str, today: dt.date | None = None) -> list[Proposal]:
    unique = list(dict.fromkeys(proposal_id(i) for i in ids))
    if not unique or len(unique) > MAX_BATCH:
        raise InvalidInput(f"a batch approves 1 to {MAX_BATCH} proposals", reason="out_of_range",
                           field="ids")
    rows = [await approve_proposal(uow, principal, pid, node_region, today, queue=False)
            for pid in unique]
    await queue_approved(uow, rows, principal)
    return rows
