"""Import an offline work package: every row applied, already applied, a conflict, or an error
with its reason. Nothing is lost, nothing is duplicated, nothing made meanwhile is overwritten.

* Each row runs in its own unit of work, so one bad row never holds back the others, and a
  package interrupted half-way is finished by importing it again.
* Idempotent: proposals carry client-chosen UUIDs; a proposal already stored with the same
  content, or a report already closed the same way by the same user, is ``ALREADY_APPLIED``.
* Conflicts: a data correction made against ``household.version`` N when the registry is at
  N+1, a report someone else closed meanwhile, an id taken by other content. The row is
  reported; the stored data is left as it is.
* An import that applied, or refused, anything is logged (``offline_import``, audited); one
  that found everything already applied writes nothing at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from functools import partial

from sqlalchemy import select

from regional_node.adapters.attachments import store_attachment
from regional_node.adapters.database import Database
from regional_node.adapters.orm import Household, OfflineImport, Proposal
from regional_node.domain.community_reports import ReportAction, ReportStatus
from regional_node.domain.offline_package import (
    FORMAT,
    ImportReport,
    Outcome,
    ProposalItem,
    ReportActionItem,
    RowOutcome,
    RowRef,
    WorkPackage,
    outcome_of,
)
from regional_node.domain.proposal_details import DataCorrection, MusdesReference, from_json
from regional_node.domain.proposals import ProposalState
from regional_node.errors import (
    Conflict,
    ForbiddenTransition,
    OutOfRegion,
    OutOfScope,
    RowConflict,
    WrongState,
)
from regional_node.service_layer import community_reports as reports
from regional_node.service_layer import proposals
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.errors import InvalidInput, SiksError
from schema.roles import Principal, Role

IMPORTERS = frozenset({Role.OPERATOR_DESA, Role.PENDAMPING})
CLOSED_AS = {ReportAction.RESOLVE: ReportStatus.RESOLVED,
             ReportAction.DISMISS: ReportStatus.DISMISSED}


class AlreadyApplied(Exception):
    """The row was applied before: nothing to do."""


def require_importer(principal: Principal, package: WorkPackage, node_region: str) -> None:
    """Refuse a whole package that is not for this node, or not for this user."""
    meta = package.meta
    if meta.format != FORMAT:
        raise InvalidInput(f"not a {FORMAT} package", reason="format", field="file")
    if principal.role not in IMPORTERS:
        raise ForbiddenTransition(f"role {principal.role} may not import offline work "
                                  f"(allowed: {', '.join(sorted(IMPORTERS))})")
    if meta.region != node_region:
        raise OutOfRegion(f"the package is for region {meta.region}, this node is "
                          f"{node_region}", reason="out_of_region", field="region")
    if not principal.covers(meta.desa_code) and not principal.household_ids:
        raise OutOfScope(f"desa {meta.desa_code} is outside the scope of {principal.user_id}")


async def import_package(database: Database, principal: Principal, package: WorkPackage,
                         node_region: str, now: dt.datetime, *, file_sha256: str,
                         file_format: str) -> ImportReport:
    require_importer(principal, package, node_region)
    report = ImportReport(package.meta.package_id, package.meta.desa_code)
    actor = proposals.actor_of(principal)
    for sha, attachment in package.attachments.items():
        async with UnitOfWork(database, actor) as uow:
            stored = await store_attachment(uow.session, attachment.content,
                                            attachment.media_type, attachment.filename,
                                            principal.user_id)
            if stored.created:
                uow.audit.record("attachment.store", "attachment", sha, attachments=(sha,),
                                 after={"sha256": sha, "media_type": stored.media_type,
                                        "size_bytes": stored.size_bytes})
            await uow.commit()
    for problem in package.problems:
        report.outcomes.append(outcome_of(problem.ref, problem.item_id, Outcome.ERROR,
                                          problem.reason))
    for item in package.proposals:
        report.outcomes.append(await _row(database, principal, item.ref, item.id, partial(
            _proposal, principal=principal, item=item, node_region=node_region, now=now)))
    for action in package.report_actions:
        report.outcomes.append(await _row(database, principal, action.ref, action.report_id,
                                          partial(_report_action, principal=principal,
                                                  item=action, now=now)))
    report.outcomes.sort(key=lambda o: (o.sheet, o.row))
    if report.changed or not report.clean:
        await _log(database, principal, report, file_sha256, file_format)
    return report


async def _row(database: Database, principal: Principal, ref: RowRef, item_id: str,
               apply: Callable[[UnitOfWork], Awaitable[str]]) -> RowOutcome:
    try:
        async with UnitOfWork(database, proposals.actor_of(principal)) as uow:
            done = await apply(uow)
            await uow.commit()
        return outcome_of(ref, item_id, Outcome.APPLIED, done)
    except AlreadyApplied as exc:
        return outcome_of(ref, item_id, Outcome.ALREADY_APPLIED, str(exc))
    except (Conflict, WrongState) as exc:
        return outcome_of(ref, item_id, Outcome.CONFLICT, exc.message)
    except SiksError as exc:
        return outcome_of(ref, item_id, Outcome.ERROR, f"{exc.code}: {exc.message}")


def _draft(item: ProposalItem) -> proposals.ProposalDraft:
    musdes = None
    if item.musdes is not None:
        try:
            musdes = MusdesReference(dt.date.fromisoformat(item.musdes["held_on"]),
                                     str(item.musdes["minutes_number"]),
                                     str(item.musdes["minutes_sha256"]).lower())
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"the Musdes reference is incomplete ({exc})",
                               reason="musdes", field="musdes") from None
    return proposals.ProposalDraft(id=item.id, details=from_json(item.kind, item.details),
                                   musdes=musdes, note=item.note)


async def _proposal(uow: UnitOfWork, principal: Principal, item: ProposalItem,
                    node_region: str, now: dt.datetime) -> str:
    draft = _draft(item)
    pid = proposals.proposal_id(item.id)
    stored = await uow.session.get(Proposal, pid)
    if stored is not None:
        if stored.details_digest != draft.content_digest() or \
                stored.created_by != principal.user_id:
            raise RowConflict(f"proposal {pid} already exists with other content (made by "
                              f"{stored.created_by}); give this row a new id")
        raise AlreadyApplied(f"proposal {pid} was imported before (now {stored.state})")
    details = draft.details
    if isinstance(details, DataCorrection):
        current = (await uow.session.execute(select(Household.version).where(
            Household.id == details.household_id))).scalar_one_or_none()
        if current is not None and current != details.base_version:
            raise RowConflict(
                f"household {details.household_id} changed since the package was exported "
                f"(version {details.base_version}, now {current}): nothing was overwritten; "
                "export a new package and make the correction again")
    if item.from_report is not None:
        await reports.propose_from_report(uow, principal, item.from_report, draft,
                                          node_region, now)
    else:
        await proposals.create_proposal(uow, principal, draft, node_region, now.date())
    if item.submit:
        await uow.session.flush()
        row = await proposals.submit_proposal(uow, principal, pid)
        return f"{item.kind} proposal {pid} created and {ProposalState(row.state)}"
    return f"{item.kind} proposal {pid} created as DRAFT"


async def _report_action(uow: UnitOfWork, principal: Principal, item: ReportActionItem,
                         now: dt.datetime) -> str:
    row = await reports.load_report(uow, item.report_id)
    status = reports.status_of(row, now)
    target = CLOSED_AS[item.action]
    if (status is target and row.closed_by == principal.user_id
            and row.close_reason == item.reason.strip()):
        raise AlreadyApplied(f"report {row.id} was {target} before")
    if status is not ReportStatus.OPEN:
        by = f" by {row.closed_by}" if row.closed_by else ""
        raise RowConflict(f"report {row.id} is {status}{by} since the package was exported; "
                          "nothing was changed")
    closed = await reports.close_report(uow, principal, item.report_id, item.action,
                                        item.reason, now)
    return f"report {closed.id} {closed.status}"


async def _log(database: Database, principal: Principal, report: ImportReport,
               file_sha256: str, file_format: str) -> None:
    async with UnitOfWork(database, proposals.actor_of(principal)) as uow:
        row = OfflineImport(
            package_id=report.package_id, file_sha256=file_sha256, file_format=file_format,
            desa_code=report.desa_code, imported_by=principal.user_id,
            imported_role=principal.role.value, applied=report.count(Outcome.APPLIED),
            already_applied=report.count(Outcome.ALREADY_APPLIED),
            conflicts=report.count(Outcome.CONFLICT), errors=report.count(Outcome.ERROR),
            outcomes=[o.as_json() for o in report.outcomes])
        uow.session.add(row)
        await uow.session.flush()
        uow.audit.record("offline.import", "offline_import", row.id, after={
            "package_id": report.package_id, "file_sha256": file_sha256,
            "outcomes": row.outcomes})
        await uow.commit()

