"""The double-benefit rule table in the gateway's database (``benefit_rule``). An import
replaces it whole and leaves one entry on the gateway's audit chain (who, how many rules,
the SHA-256 of the file), in the same transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import delete, insert, select

from gateway.adapters.database import Database
from gateway.adapters.orm import BenefitRuleRow
from gateway.inbox.audit import AuditNote, append
from schema.benefit_rules import ExclusionRule, RuleScope

AUDIT_ACTION = "rules.import"


class RuleStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def all(self) -> list[ExclusionRule]:
        async with self.database.reader() as session:
            rows = (await session.execute(select(BenefitRuleRow).order_by(
                BenefitRuleRow.id))).scalars().all()
        return [ExclusionRule(r.program, r.excludes, RuleScope(r.scope), r.legal_basis)
                for r in rows]

    async def replace(self, rules: Sequence[ExclusionRule], *, actor: str, role: str,
                      file_text: str) -> None:
        note = AuditNote(actor=actor, action=AUDIT_ACTION, entity_type="benefit_rules",
                         entity_id="benefit_rule", role=role,
                         detail={"rules": len(rules),
                                 "sha256": hashlib.sha256(file_text.encode()).hexdigest()})
        async with self.database.writer() as session, session.begin():
            await session.execute(delete(BenefitRuleRow))
            await session.execute(insert(BenefitRuleRow), [
                {"program": r.program, "excludes": r.excludes, "scope": r.scope.value,
                 "legal_basis": r.legal_basis} for r in rules])
            await append(session, [note])
