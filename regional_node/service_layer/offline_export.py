"""Export a desa work package: the desa's households and members as the exporting user may
see them (the field policy of ``schema.policy`` applies, masks included), the enum values,
the proposals still open and the community reports waiting, and blank work to fill offline.

An export takes personal data off the node, so it is audited (``offline.export``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from regional_node.adapters.orm import (
    CommunityReport,
    Household,
    Member,
    ProgramMembership,
    Proposal,
)
from regional_node.domain.community_reports import ReportStatus
from regional_node.domain.offline_package import (
    PREFILLED_IDS,
    ExportedPackage,
    PackageMeta,
    iso_now,
)
from regional_node.domain.proposals import OPEN_STATES, ProposalKind
from regional_node.errors import ForbiddenTransition, OutOfRegion, OutOfScope
from regional_node.service_layer.community_reports import status_of, utc
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema import enums
from schema.masking import mask
from schema.policy import Access, access, field_rule
from schema.regions import RegionLevel, is_within, regions
from schema.roles import Principal, Role
from schema.scope import sees_row

EXPORTERS = frozenset({Role.OPERATOR_DESA, Role.PENDAMPING, Role.DINSOS})
ENUMS: tuple[type[StrEnum], ...] = (
    enums.Sex, enums.Relationship, enums.Education, enums.Disability, enums.Program,
    enums.FloorMaterial, enums.WallMaterial, enums.RoofMaterial, enums.Tenure,
    enums.DrinkingWater, enums.Lighting, enums.CookingFuel, enums.Toilet, enums.Asset,
    ProposalKind)

HOUSEHOLD_FIELDS = {"kk_number": "kkNumber", "address": "address", "status": "status",
                    "version": "version", "desil": "desil", "latitude": "latitude",
                    "longitude": "longitude"}
MEMBER_FIELDS = {"nik": "nik", "name": "name", "birth_date": "birthDate", "sex": "sex",
                 "relationship": "relationship", "education": "education",
                 "occupation": "occupation", "disability": "disability", "alive": "alive"}
REPORT_FIELDS = {"person_name": "personName", "address": "address",
                 "description": "description", "nik": "nik", "program": "program"}


def _seen(role: Role, type_name: str, field_name: str, value: Any) -> Any:
    """``value`` as ``role`` may see it: in full, masked, or not at all (None)."""
    granted = access(role, type_name, field_name)
    if granted is Access.DENIED:
        return None
    if granted is Access.MASKED:
        kind = field_rule(type_name, field_name).mask
        assert kind is not None
        return mask(kind, value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return utc(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _fields(role: Role, type_name: str, row: Any, names: dict[str, str]) -> dict[str, Any]:
    return {column: _seen(role, type_name, gql, _plain(getattr(row, column)))
            for column, gql in names.items()}


def require_exporter(principal: Principal, desa_code: str, node_region: str) -> None:
    if principal.role not in EXPORTERS:
        raise ForbiddenTransition(f"role {principal.role} may not take a desa offline")
    regions().require(desa_code, level=RegionLevel.DESA)
    if not is_within(desa_code, node_region):
        raise OutOfRegion(f"desa {desa_code} is not in this node's region {node_region}",
                          reason="out_of_region", field="desa")
    if not principal.covers(desa_code) and not principal.household_ids:
        raise OutOfScope(f"desa {desa_code} is outside the scope of {principal.user_id}")


async def export_package(uow: UnitOfWork, principal: Principal, desa_code: str,
                         node_region: str, now: dt.datetime,
                         blank_rows: int = PREFILLED_IDS) -> ExportedPackage:
    require_exporter(principal, desa_code, node_region)
    role = principal.role
    session = uow.session
    rows = [h for h in (await session.execute(select(Household).where(
        Household.desa_code == desa_code).order_by(Household.id))).scalars()
        if sees_row(principal, h.desa_code, h.id)]
    ids = [h.id for h in rows]
    members = list((await session.execute(select(Member).where(
        Member.household_id.in_(ids)).order_by(Member.id))).scalars()) if ids else []
    programs = list((await session.execute(select(ProgramMembership).where(
        ProgramMembership.household_id.in_(ids), ProgramMembership.active.is_(True))
        .order_by(ProgramMembership.id))).scalars()) if ids else []
    households = [{"id": h.id, **_fields(role, "Household", h, HOUSEHOLD_FIELDS),
                   "members": [{"id": m.id, **_fields(role, "Member", m, MEMBER_FIELDS)}
                               for m in members if m.household_id == h.id],
                   "programs": [{"program": p.program, "period": p.period,
                                 "member_id": p.member_id}
                                for p in programs if p.household_id == h.id]}
                  for h in rows]
    pending = [{"id": p.id, "kind": p.kind, "state": p.state, "household_id": p.household_id,
                "created_by": p.created_by, "updated_at": _plain(p.updated_at)}
               for p in (await session.execute(select(Proposal).where(
                   Proposal.desa_code == desa_code,
                   Proposal.state.in_([s.value for s in OPEN_STATES]))
                   .order_by(Proposal.created_at, Proposal.id))).scalars()
               if sees_row(principal, p.desa_code, p.household_id)]
    reports = [{"id": r.id, "kind": r.kind, "status": ReportStatus.OPEN.value,
                "due_at": _plain(r.due_at), **_fields(role, "CommunityReport", r, REPORT_FIELDS)}
               for r in (await session.execute(select(CommunityReport).where(
                   CommunityReport.desa_code == desa_code,
                   CommunityReport.status == ReportStatus.OPEN.value)
                   .order_by(CommunityReport.received_at, CommunityReport.id))).scalars()
               if status_of(r, now) is ReportStatus.OPEN
               and access(role, "Query", "communityReports") is not Access.DENIED]
    meta = PackageMeta(package_id=str(uuid.uuid4()), region=node_region, desa_code=desa_code,
                       exported_at=iso_now(now), exported_by=principal.user_id,
                       exported_role=role.value)
    uow.audit.record("offline.export", "desa", desa_code, after={
        "package_id": meta.package_id, "households": ids,
        "proposals": [p["id"] for p in pending], "reports": [r["id"] for r in reports]})
    return ExportedPackage(
        meta=meta, enums={e.__name__: [v.value for v in e] for e in ENUMS},
        households=households, pending_proposals=pending, community_reports=reports,
        prefilled_ids=[str(uuid.uuid4()) for _ in range(blank_rows)])

