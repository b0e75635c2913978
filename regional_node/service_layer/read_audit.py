"""Audit of reads (UU PDP 27/2022): who read which person's or household's data, when,
through which operation. Written to the same hash chain as every change, so
``siks audit verify`` covers reads too (decision in docs/security.md).

One entry per entity read, action ``read``; one per NIK looked up, action ``read.nik_lookup``
(entity id: the masked NIK; the after-digest binds the full NIK without storing it again).
Each entry's attachments name the operation: ``operation:<name>`` and ``query:<sha256>``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from regional_node.adapters.database import Database
from regional_node.domain.audit import Actor
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.identity_numbers import mask_number
from schema.roles import Principal

READ = "read"
NIK_LOOKUP = "read.nik_lookup"


def operation_refs(operation_name: str | None, query: str | None) -> tuple[str, str]:
    digest = hashlib.sha256((query or "").encode("utf-8")).hexdigest()
    return f"operation:{operation_name or '(anonymous)'}", f"query:{digest}"


async def record_reads(database: Database, principal: Principal,
                       entities: Iterable[tuple[str, str]], nik_lookups: Iterable[str], *,
                       operation_name: str | None, query: str | None) -> int:
    """Append the entries in one transaction; returns how many were written."""
    refs = operation_refs(operation_name, query)
    written = 0
    async with UnitOfWork(database, Actor(principal.user_id, principal.role.value)) as uow:
        for entity_type, entity_id in entities:
            uow.audit.record(READ, entity_type, entity_id, attachments=refs)
            written += 1
        for nik in nik_lookups:
            uow.audit.record(NIK_LOOKUP, "nik", mask_number(nik), after={"nik": nik},
                             attachments=refs)
            written += 1
        await uow.commit()
    return written
