"""Keeping what an import did (``import_run``), in its own transaction after the import, so
that the refusals of an all-or-nothing import that stored nothing still count in the data
quality of the node (docs/import.md). A report of the run, not a change to the registry: the
households it stored are on the audit chain, one entry each; this row is not."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from regional_node.adapters.database import Database
from regional_node.adapters.orm import ImportRun, utcnow
from regional_node.domain.audit import Actor
from regional_node.service_layer.import_writer import ImportReport
from regional_node.service_layer.unit_of_work import UnitOfWork


async def record_run(database: Database, actor: Actor, report: ImportReport) -> None:
    reasons = Counter(error.reason for error in report.errors)
    refused = report.households_read - report.households_stored
    async with UnitOfWork(database, actor) as uow:
        row = ImportRun(source_name=Path(report.source).name, mode=str(report.mode),
                        imported_by=actor.id, imported_at=utcnow(),
                        rows_read=report.rows_read, households_read=report.households_read,
                        households_stored=report.households_stored,
                        households_refused=max(refused, 0), errors=len(report.errors),
                        warnings_stored=report.warnings_stored,
                        errors_by_reason=dict(sorted(reasons.items())))
        uow.session.add(row)
        await uow.commit()
