"""The catalogue of benefit amounts in the gateway's database (``benefit_rate``). An import
replaces it whole and leaves one entry on the gateway's audit chain (who, how many entries,
the SHA-256 of the file), in the same transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import delete, insert, select

from gateway.adapters.database import Database
from gateway.adapters.orm import BenefitRateRow
from gateway.inbox.audit import AuditNote, append
from gateway.service_layer.catalogue import BenefitRate
from schema.benefits import BenefitUnit

AUDIT_ACTION = "catalogue.import"


class CatalogueStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def all(self) -> list[BenefitRate]:
        async with self.database.reader() as session:
            rows = (await session.execute(select(BenefitRateRow).order_by(
                BenefitRateRow.program, BenefitRateRow.period,
                BenefitRateRow.component))).scalars().all()
        return [BenefitRate(r.program, r.component, r.period, BenefitUnit(r.unit), r.amount,
                            r.legal_basis, r.source) for r in rows]

    async def replace(self, rates: Sequence[BenefitRate], *, actor: str, role: str,
                      file_text: str) -> None:
        note = AuditNote(actor=actor, action=AUDIT_ACTION, entity_type="benefit_catalogue",
                         entity_id="benefit_rate", role=role,
                         detail={"entries": len(rates),
                                 "sha256": hashlib.sha256(file_text.encode()).hexdigest()})
        async with self.database.writer() as session, session.begin():
            await session.execute(delete(BenefitRateRow))
            await session.execute(insert(BenefitRateRow), [
                {"program": r.program, "component": r.component, "period": r.period,
                 "unit": r.unit.value, "amount": r.amount, "legal_basis": r.legal_basis,
                 "source": r.source} for r in rates])
            await append(session, [note])
