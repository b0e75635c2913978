"""Cross-region duplicates the gateway signs down (docs/duplicates.md): each finding is kept
in ``cross_region_duplicate`` and, while open and the member is found here, shown to Dinas
Sosial as a ``CROSS_REGION_DUPLICATE`` household warning naming the other kab/kota; a
resolved finding resolves its warning. The member is found by hashing this node's NIKs with
the directory key (``SIKS_NODE_DIRECTORY_SECRET``): the finding carries only the key.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from regional_node.adapters.orm import (
    CrossRegionDuplicate,
    Household,
    HouseholdWarning,
    Member,
    utcnow,
)
from regional_node.domain.plausibility import WarningKind, cross_region_message
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.identity_numbers import mask_number
from schema.nik_directory_key import NikDirectoryKey
from schema.regions import regions
from schema.sync_messages import DuplicateFinding

SOURCE = "GATEWAY"
RESOLVER = "system:nik-directory"


async def apply_findings(uow: UnitOfWork, region: str, findings: Sequence[DuplicateFinding],
                         key: NikDirectoryKey | None) -> dict[str, int]:
    """Store each finding newer than the one held; open or resolve its warning. Returns the
    counts (stored, warned, resolved, unplaced) for the receipt."""
    counts = {"stored": 0, "warned": 0, "resolved": 0, "unplaced": 0}
    held = {row.finding_id: row for row in (await uow.session.execute(
        select(CrossRegionDuplicate).where(CrossRegionDuplicate.finding_id.in_(
            [f.id for f in findings])))).scalars()}
    fresh = [f for f in findings if f.id not in held or held[f.id].version < f.version]
    members = await _members_by_key(uow, {f.nik_key for f in fresh}, key)
    for finding in fresh:
        row = held.get(finding.id) or _new_row(uow, finding)
        row.nik_key, row.regions, row.version = finding.nik_key, list(finding.regions), \
            finding.version
        row.first_seen_at, row.resolved_at, row.updated_at = \
            finding.first_seen_at, finding.resolved_at, utcnow()
        member = members.get(finding.nik_key)
        row.member_id = member.id if member is not None else row.member_id
        counts["stored"] += 1
        if finding.resolved_at is not None or region not in finding.regions:
            counts["resolved"] += await _resolve_warning(uow, row)
        elif member is None:
            counts["unplaced"] += 1
        else:
            counts["warned"] += await _open_warning(uow, row, member, region)
        uow.audit.record("duplicate.receive", "cross_region_duplicate", str(finding.id),
                         after={"regions": list(finding.regions), "version": finding.version,
                                "resolved": finding.resolved_at is not None,
                                "member_id": row.member_id})
    return counts


def _new_row(uow: UnitOfWork, finding: DuplicateFinding) -> CrossRegionDuplicate:
    row = CrossRegionDuplicate(finding_id=finding.id, nik_key=finding.nik_key,
                               regions=list(finding.regions), version=finding.version,
                               first_seen_at=finding.first_seen_at)
    uow.session.add(row)
    return row


async def _members_by_key(uow: UnitOfWork, keys: set[str],
                          key: NikDirectoryKey | None) -> dict[str, Member]:
    """This node's members whose NIK hashes to one of ``keys`` (every NIK is hashed: the
    node keeps no hashes)."""
    if not keys or key is None:
        return {}
    found: dict[str, int] = {}
    for member_id, nik in await uow.session.execute(select(Member.id, Member.nik)):
        hashed = key.key_of(nik)
        if hashed in keys:
            found[hashed] = member_id
    if not found:
        return {}
    rows = (await uow.session.execute(select(Member).where(Member.id.in_(found.values()))
                                      )).scalars()
    by_id = {row.id: row for row in rows}
    return {hashed: by_id[member_id] for hashed, member_id in found.items()}


async def _open_warning(uow: UnitOfWork, row: CrossRegionDuplicate, member: Member,
                        region: str) -> int:
    others = [(code, _name(code)) for code in row.regions if code != region]
    message = cross_region_message(mask_number(member.nik), others)
    warning = await _warning_of(uow, row)
    if warning is not None and warning.resolved_at is None:
        warning.message = str(message)  # the regions changed: the same warning says so
        warning.message_parts = message.stored()
        return 0
    warning = HouseholdWarning(household_id=member.household_id, member_id=member.id,
                               desa_code=await _desa_of(uow, member.household_id),
                               kind=WarningKind.CROSS_REGION_DUPLICATE.value, source=SOURCE,
                               message=str(message), message_parts=message.stored(),
                               created_at=utcnow())
    uow.session.add(warning)
    await uow.session.flush()
    row.warning_id = warning.id
    return 1


async def _resolve_warning(uow: UnitOfWork, row: CrossRegionDuplicate) -> int:
    warning = await _warning_of(uow, row)
    if warning is None or warning.resolved_at is not None:
        return 0
    others = ", ".join(code for code in row.regions) or "-"
    warning.resolved_at, warning.resolved_by = utcnow(), RESOLVER
    warning.resolution_note = (f"Tidak lagi ganda: NIK kini hanya terdaftar di {others}. / "
                               f"No longer a duplicate: the NIK is now held by {others} only.")
    return 1


async def _warning_of(uow: UnitOfWork, row: CrossRegionDuplicate) -> HouseholdWarning | None:
    if row.warning_id is None:
        return None
    return await uow.session.get(HouseholdWarning, row.warning_id)


async def _desa_of(uow: UnitOfWork, household_id: int) -> str:
    household = await uow.session.get(Household, household_id)
    assert household is not None
    return household.desa_code


def _name(code: str) -> str:
    region = regions().get(code)
    return region.name if region is not None else ""

