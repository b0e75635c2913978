"""Audit of reads (UU PDP 27/2022): who read which person's or household's data, when,
through which operation. Written to the same hash chain as every change, so
``siks audit verify`` covers reads too (decision in docs/security.md).

One entry per entity read, action ``read``. A single NIK looked up (``person(nik)``): one
entry, action ``read.nik_lookup`` (entity id: the masked NIK; the after-digest, the SHA-256
of ``{"nik": NIK}``, binds the full NIK without storing it). A batch of NIKs looked up in one
operation (a partner's ``crossCheck``): **one** entry for the batch, action
``read.nik_lookups`` (entity ``nik``, id the number of NIKs), whose after-digest binds the
list (:mod:`regional_node.domain.nik_lookups`), and the list itself in ``audit_nik_lookup``,
one row per NIK in the order asked (masked NIK and the same per-NIK digest), written in the
same transaction with one bulk insert; ``siks audit verify`` recomputes the batch digest
from the rows. Each
entry's attachments name the operation: ``operation:<name>`` and ``query:<sha256>``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from regional_node.adapters.bulk_insert import insert_tuples
from regional_node.adapters.database import Database
from regional_node.adapters.orm import AuditNikLookup
from regional_node.domain.audit import Actor
from regional_node.domain.nik_lookups import NIK_LOOKUP, NIK_LOOKUPS, batch_digest, nik_digest
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.identity_numbers import mask_number
from schema.roles import Principal

READ = "read"
LOOKUP_COLUMNS = ("entry_seq", "position", "masked_nik", "nik_digest")


def operation_refs(operation_name: str | None, query: str | None) -> tuple[str, str]:
    digest = hashlib.sha256((query or "").encode("utf-8")).hexdigest()
    return f"operation:{operation_name or '(anonymous)'}", f"query:{digest}"


async def record_reads(database: Database, principal: Principal,
                       entities: Iterable[tuple[str, str]], nik_lookups: Iterable[str], *,
                       operation_name: str | None, query: str | None) -> int:
    """Append the entries in one transaction; returns how many were written."""
    refs = operation_refs(operation_name, query)
    niks = list(nik_lookups)
    written = 0
    async with UnitOfWork(database, Actor(principal.user_id, principal.role.value)) as uow:
        for entity_type, entity_id in entities:
            uow.audit.record(READ, entity_type, entity_id, attachments=refs)
            written += 1
        if len(niks) == 1:
            uow.audit.record(NIK_LOOKUP, "nik", mask_number(niks[0]), after={"nik": niks[0]},
                             attachments=refs)
            written += 1
        elif niks:
            written += await _record_batch(uow, niks, refs)
        await uow.commit()
    return written


async def _record_batch(uow: UnitOfWork, niks: list[str], refs: tuple[str, str]) -> int:
    """One entry for the batch, chained now (its seq names the rows), and its rows."""
    rows = [(mask_number(nik), nik_digest(nik)) for nik in niks]
    uow.audit.record_digests(NIK_LOOKUPS, "nik", [len(rows)], [batch_digest(rows)],
                             attachments=refs)
    seq = await uow.audit.flush_returning_last()
    await insert_tuples(uow.session, AuditNikLookup, LOOKUP_COLUMNS,
                        [(seq, position, masked, digest)
                         for position, (masked, digest) in enumerate(rows)])
    return 1
