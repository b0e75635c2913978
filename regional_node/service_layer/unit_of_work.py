"""A unit of work: one write transaction, its repositories and its audit trail.

Nothing is stored unless :meth:`UnitOfWork.commit` is called, and the audit entries are
appended in the same transaction as the change they describe.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.database import Database
from regional_node.domain.audit import Actor
from regional_node.errors import Conflict
from regional_node.service_layer.audit import AuditTrail


class UnitOfWork:
    session: AsyncSession
    audit: AuditTrail

    def __init__(self, database: Database, actor: Actor) -> None:
        self.database = database
        self.actor = actor
        self._committed = False

    async def __aenter__(self) -> UnitOfWork:
        self.session = self.database.writer()
        await self.session.begin()
        self.audit = AuditTrail(self.session, self.actor)
        return self

    async def commit(self) -> None:
        try:
            await self.session.flush()
            await self.audit.flush()
            await self.session.commit()
        except IntegrityError as exc:
            await self.session.rollback()
            raise Conflict(f"the change conflicts with stored data: {_constraint(exc)}") from exc
        finally:
            self.audit.transaction_ended()
        self._committed = True

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if not self._committed:
                await self.session.rollback()
        finally:
            await self.session.close()


def _constraint(exc: IntegrityError) -> str:
    text = str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc)
    return text[:200]
