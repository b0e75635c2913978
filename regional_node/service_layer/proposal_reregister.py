"""A corrected new household takes over the row of the returned one it corrects.

Undoing a returned new household leaves it ``INACTIVE/RETURNED`` with its KK number and its
members' NIKs, which are unique on the node: a corrected proposal for the same family would be
refused as a duplicate. So approving a ``NEW_HOUSEHOLD`` that corrects a returned one (whose
household was undone) writes the corrected data over that row: the same household id, its
members replaced, status ``PROPOSED`` again, audited as ``household.reregister`` with the
digests before and after.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from regional_node.adapters.household_records import load_household
from regional_node.adapters.orm import (
    Household,
    HouseholdWarning,
    Member,
    ProgramMembership,
    utcnow,
)
from regional_node.domain.household_rows import (
    HOUSEHOLD_COLUMNS,
    MEMBER_COLUMNS,
    household_rows,
    snapshot,
)
from regional_node.domain.records import HouseholdRecord
from regional_node.errors import Duplicate, NotFound
from regional_node.service_layer.pmt import rescore
from regional_node.service_layer.registry import existing_identifiers
from regional_node.service_layer.unit_of_work import UnitOfWork


async def reregister(uow: UnitOfWork, household_id: int, record: HouseholdRecord) -> int:
    """Write ``record`` over household ``household_id``; return its new version."""
    session = uow.session
    stored = await load_household(session, household_id, for_update=True)
    if stored is None:
        raise NotFound(f"household {household_id} is no longer registered")
    before = snapshot(stored.record)
    await session.execute(delete(ProgramMembership).where(
        ProgramMembership.household_id == household_id))
    # warnings about the withdrawn data go with it; the correction's approval keeps its own
    await session.execute(delete(HouseholdWarning).where(
        HouseholdWarning.household_id == household_id))
    await session.execute(delete(Member).where(Member.household_id == household_id))
    await session.flush()
    await _require_free(uow, household_id, record)
    values, members, _, _ = household_rows(record, with_digest=False)
    row = stored.row
    for name, value in zip(HOUSEHOLD_COLUMNS, values, strict=True):
        setattr(row, name, value)
    row.inactive_reason = None
    row.version += 1
    now = row.updated_at = utcnow()
    for member in members:
        session.add(Member(household_id=household_id, death_date=None,
                           created_at=now, updated_at=now,
                           **dict(zip(MEMBER_COLUMNS, member, strict=True))))
    await session.flush()
    await rescore(session, [household_id])  # its PMT score (docs/pmt.md)
    after = await load_household(session, household_id)
    assert after is not None
    uow.audit.record("household.reregister", "household", household_id, before=before,
                     after=snapshot(after.record))
    return row.version


async def _require_free(uow: UnitOfWork, household_id: int, record: HouseholdRecord) -> None:
    other_kk = (await uow.session.execute(select(Household.id).where(
        Household.kk_number == record.kk_number, Household.id != household_id))).first()
    _, niks = await existing_identifiers(uow.session, (), (m.nik for m in record.members))
    taken = ([f"KK {record.kk_number}"] if other_kk else []) + [f"NIK {n}" for n in sorted(niks)]
    if taken:
        raise Duplicate(f"already registered on this node: {', '.join(taken)}")
