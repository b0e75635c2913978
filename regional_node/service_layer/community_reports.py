"""Use cases of the community-report inbox: the public submits an usul or a sanggah, the
desa's operator turns it into a proposal, resolves or dismisses it, and the node's sweep
expires the sanggah nobody acted on. Every write is audited in the same unit of work.

What the submitter gets back is the receipt (the report's id) and its status, never anything
the report or the registry holds about people.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlalchemy import select

from regional_node.adapters.attachments import store_attachment
from regional_node.adapters.orm import CommunityReport, Notification, Proposal
from regional_node.domain.audit import Actor, digest
from regional_node.domain.community_reports import (
    EXPIRES,
    ReportAction,
    ReportKind,
    ReportStatus,
    SanggahSubmission,
    UsulSubmission,
    due_at,
    effective_status,
    plan_action,
    require_proposal_kind,
    sanggah_problems,
    text_problems,
    usul_problems,
)
from regional_node.domain.records import Problem
from regional_node.errors import Conflict, InvalidRecord, NotFound, OutOfRegion
from regional_node.service_layer.proposals import ProposalDraft, create_proposal
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.errors import InvalidInput
from schema.geo import boundary
from schema.regions import RegionLevel, is_within, regions
from schema.roles import Principal, Role

SWEEPER = Principal(user_id="system:report-expiry", role=Role.SYSTEM)
REPORT_TOPIC = "COMMUNITY_REPORT"
PHOTO_TYPES = ("image/jpeg", "image/png")


@dataclass(frozen=True, slots=True)
class Photo:
    content: bytes
    media_type: str


def report_id(value: str | None) -> str:
    """The canonical form of a report id (a UUID); a fresh one when none is given."""
    if value is None:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise InvalidInput(f"{value!r} is not a UUID", reason="malformed", field="id") from None


def utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC (SQLite hands timestamps back without their zone)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def status_of(row: CommunityReport, now: dt.datetime) -> ReportStatus:
    return effective_status(ReportKind(row.kind), ReportStatus(row.status), utc(row.due_at), now)


def snapshot(row: CommunityReport) -> dict[str, Any]:
    """What an audit digest covers (personal data only through the digest)."""
    return {"id": row.id, "kind": row.kind, "status": row.status, "desa_code": row.desa_code,
            "content_digest": row.content_digest, "photo_sha256": row.photo_sha256,
            "proposal_id": row.proposal_id, "closed_by": row.closed_by,
            "close_reason": row.close_reason, "version": row.version}


def _require_desa(desa_code: str, node_region: str) -> None:
    regions().require(desa_code, level=RegionLevel.DESA)
    if not is_within(desa_code, node_region):
        raise OutOfRegion(f"desa {desa_code} is not in this node's region {node_region}",
                          reason="out_of_region", field="desaCode")


def _require(problems: list[Problem]) -> None:
    if problems:
        raise InvalidRecord(problems)


def _clean(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


async def submit_usul(uow: UnitOfWork, principal: Principal, usul: UsulSubmission,
                      node_region: str, now: dt.datetime,
                      rid: str | None = None) -> CommunityReport:
    """Store an usul as OPEN work for its desa, due in 30 days."""
    _require_desa(usul.desa_code, node_region)
    _require(usul_problems(usul))
    content = digest({"kind": ReportKind.USUL.value, **asdict(usul)})
    existing = await _existing(uow, report_id(rid) if rid else None, content)
    if existing is not None:
        return existing
    row = _new_row(principal, ReportKind.USUL, report_id(rid), usul.desa_code, now, content,
                   person_name=usul.person_name.strip(), address=usul.address.strip(),
                   description=usul.description.strip(), nik=_clean(usul.nik),
                   kk_number=_clean(usul.kk_number),
                   submitter_name=_clean(usul.submitter.name),
                   submitter_contact=_clean(usul.submitter.contact))
    return _received(uow, row)


async def submit_sanggah(uow: UnitOfWork, principal: Principal, sanggah: SanggahSubmission,
                         photo: Photo, node_region: str, now: dt.datetime,
                         rid: str | None = None) -> CommunityReport:
    """Store a sanggah with its photo (content-addressed) as OPEN work, expiring in 14 days.
    A position outside the regency is kept and flagged, not refused."""
    _require_desa(sanggah.desa_code, node_region)
    if photo.media_type not in PHOTO_TYPES:
        raise InvalidInput(f"the photo must be one of {', '.join(PHOTO_TYPES)}",
                           reason="media_type", field="photo")
    stored = await store_attachment(uow.session, photo.content, photo.media_type,
                                    "sanggah-photo", principal.user_id)
    sanggah = replace(sanggah, photo_sha256=stored.sha256)
    _require(sanggah_problems(sanggah))
    content = digest({"kind": ReportKind.SANGGAH.value, **asdict(sanggah)})
    existing = await _existing(uow, report_id(rid) if rid else None, content)
    if existing is not None:
        return existing
    if stored.created:
        uow.audit.record("attachment.store", "attachment", stored.sha256,
                         after={"sha256": stored.sha256, "media_type": stored.media_type,
                                "size_bytes": stored.size_bytes},
                         attachments=(stored.sha256,))
    area = boundary(node_region)
    outside = area is not None and not area.contains(sanggah.latitude, sanggah.longitude)
    row = _new_row(principal, ReportKind.SANGGAH, report_id(rid), sanggah.desa_code, now,
                   content, person_name=sanggah.person_name.strip(),
                   address=sanggah.address.strip(), description=sanggah.description.strip(),
                   program=_clean(sanggah.program), photo_sha256=stored.sha256,
                   latitude=sanggah.latitude, longitude=sanggah.longitude,
                   outside_regency=outside, submitter_name=_clean(sanggah.submitter.name),
                   submitter_contact=_clean(sanggah.submitter.contact))
    return _received(uow, row)


async def _existing(uow: UnitOfWork, rid: str | None, content: str) -> CommunityReport | None:
    """The stored report when a relay sends the same report again; CONFLICT when the id is
    taken by other content."""
    if rid is None:
        return None
    row = await uow.session.get(CommunityReport, rid)
    if row is None:
        return None
    if row.content_digest != content:
        raise Conflict(f"report {rid} already exists with other content")
    return row


def _new_row(principal: Principal, kind: ReportKind, rid: str, desa_code: str,
             now: dt.datetime, content: str, **values: Any) -> CommunityReport:
    return CommunityReport(id=rid, kind=kind.value, status=ReportStatus.OPEN.value,
                           desa_code=desa_code, submitted_by=principal.user_id,
                           submitted_role=principal.role.value, content_digest=content,
                           received_at=now, due_at=due_at(kind, now), version=1, **values)


def _received(uow: UnitOfWork, row: CommunityReport) -> CommunityReport:
    uow.session.add(row)
    uow.session.add(Notification(
        recipient=f"desa:{row.desa_code}", desa_code=row.desa_code, topic=REPORT_TOPIC,
        created_at=row.received_at,
        message=f"{row.kind.title()} {row.id} received; act on it by "
                f"{utc(row.due_at).date().isoformat()}"
                + (" or it expires" if ReportKind(row.kind) in EXPIRES else "")))
    uow.audit.record(f"community_report.{row.kind.lower()}", "community_report", row.id,
                     after=snapshot(row),
                     attachments=(row.photo_sha256,) if row.photo_sha256 else ())
    return row


# --- the operator's actions ---------------------------------------------------------------

async def load_report(uow: UnitOfWork, rid: str) -> CommunityReport:
    statement = select(CommunityReport).where(CommunityReport.id == report_id(rid))
    row = (await uow.session.execute(statement.with_for_update())).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no community report {rid} on this node")
    return row


async def close_report(uow: UnitOfWork, principal: Principal, rid: str, action: ReportAction,
                       reason: str | None, now: dt.datetime) -> CommunityReport:
    """RESOLVE or DISMISS an OPEN report, with a reason."""
    if action not in (ReportAction.RESOLVE, ReportAction.DISMISS):
        raise InvalidInput(f"{action} is not resolve or dismiss", reason="action",
                           field="action")
    row = await load_report(uow, rid)
    plan_action(action, ReportKind(row.kind), status_of(row, now), principal, row.desa_code)
    why = _reason(reason)
    return _close(uow, row, principal, action, now, reason=why)


async def propose_from_report(uow: UnitOfWork, principal: Principal, rid: str,
                              draft: ProposalDraft, node_region: str, now: dt.datetime
                              ) -> tuple[CommunityReport, Proposal]:
    """Open a DRAFT proposal from an OPEN report and link the two. Sending the same again
    (same report, same proposal) returns them unchanged."""
    row = await load_report(uow, rid)
    if row.proposal_id is not None and row.proposal_id == _canonical(draft.id):
        proposal = await create_proposal(uow, principal, draft, node_region, now.date())
        return row, proposal
    plan_action(ReportAction.PROPOSE, ReportKind(row.kind), status_of(row, now), principal,
                row.desa_code)
    require_proposal_kind(ReportKind(row.kind), draft.kind)
    proposal = await create_proposal(uow, principal, draft, node_region, now.date())
    await uow.session.flush()
    row.proposal_id = proposal.id
    return _close(uow, row, principal, ReportAction.PROPOSE, now), proposal


async def expire_overdue(uow: UnitOfWork, now: dt.datetime) -> list[str]:
    """Store EXPIRED on every OPEN report of a kind that expires and is past its due date."""
    rows = (await uow.session.execute(
        select(CommunityReport).where(
            CommunityReport.status == ReportStatus.OPEN.value,
            CommunityReport.kind.in_([kind.value for kind in EXPIRES]),
            CommunityReport.due_at <= now)
        .order_by(CommunityReport.due_at, CommunityReport.id).with_for_update())).scalars()
    expired = []
    for row in rows:
        plan_action(ReportAction.EXPIRE, ReportKind(row.kind), ReportStatus.OPEN, SWEEPER,
                    row.desa_code)
        _close(uow, row, SWEEPER, ReportAction.EXPIRE, now,
               reason=f"nobody acted on it by {utc(row.due_at).isoformat()}")
        expired.append(row.id)
    return expired


def _close(uow: UnitOfWork, row: CommunityReport, principal: Principal,
           action: ReportAction, now: dt.datetime, *,
           reason: str | None = None) -> CommunityReport:
    target = {ReportAction.PROPOSE: ReportStatus.PROPOSED,
              ReportAction.RESOLVE: ReportStatus.RESOLVED,
              ReportAction.DISMISS: ReportStatus.DISMISSED,
              ReportAction.EXPIRE: ReportStatus.EXPIRED}[action]
    before = snapshot(row)
    row.status = target.value
    row.closed_by = principal.user_id
    row.closed_role = principal.role.value
    row.closed_at = now
    row.close_reason = reason
    row.version += 1
    uow.audit.record(f"community_report.{action.value.lower()}", "community_report", row.id,
                     before=before, after=snapshot(row))
    return row


def _reason(reason: str | None) -> str:
    problems = text_problems("reason", reason, required=True)
    if problems:
        raise InvalidInput(str(problems[0].message), reason=problems[0].reason, field="reason")
    return (reason or "").strip()


def _canonical(value: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return value


def actor_of(principal: Principal) -> Actor:
    return Actor(principal.user_id, principal.role.value)
