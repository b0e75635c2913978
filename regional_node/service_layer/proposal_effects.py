"""What approval does to the registry, per kind of proposal, inside the approving transaction.

Each change bumps ``household.version`` (optimistic concurrency: a correction made against an
older version is refused) and leaves its own audit entry, digests of the household before and
after, next to the proposal's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from regional_node.adapters.household_records import StoredHousehold, load_household
from regional_node.adapters.orm import Member, ProgramMembership, utcnow
from regional_node.domain.household_rows import snapshot
from regional_node.domain.proposal_details import (
    MEMBER_CORRECTABLE,
    DataCorrection,
    Death,
    Details,
    Graduation,
    Moved,
    NewHousehold,
    NewMember,
    ProgramEnrolment,
    ProgramExit,
    corrected,
)
from regional_node.domain.records import HouseholdRecord
from regional_node.errors import Conflict, NotFound
from regional_node.service_layer.proposal_rules import active_memberships
from regional_node.service_layer.registry import existing_identifiers, register_households
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.enums import HouseholdStatus, InactiveReason, MatchStatus


async def apply_details(uow: UnitOfWork, details: Details, matched_niks: set[str],
                        node_region: str, today: dt.date, proposal_id: str | None = None
                        ) -> int:
    """Change the registry as ``details`` says; return the household it concerns.
    ``proposal_id``: the proposal being approved (an enrolment's membership keeps it, so it
    counts as determined only once that proposal is)."""
    if isinstance(details, NewHousehold):
        return await _register(uow, details.household, matched_niks, node_region)
    stored = await load_household(uow.session, details.household_id, for_update=True)
    if stored is None:
        raise NotFound(f"household {details.household_id} is no longer registered")
    before = snapshot(stored.record)
    action = await _change(uow, stored, details, matched_niks, today, proposal_id)
    stored.row.version += 1
    stored.row.updated_at = utcnow()
    await uow.session.flush()
    after = await load_household(uow.session, stored.row.id)
    assert after is not None
    uow.audit.record(f"household.{action}", "household", stored.row.id, before=before,
                     after=snapshot(after.record))
    return stored.row.id


async def _register(uow: UnitOfWork, household: HouseholdRecord, matched_niks: set[str],
                    node_region: str) -> int:
    record = dataclasses.replace(
        household, status=HouseholdStatus.PROPOSED,  # ACTIVE once Kemensos determines it
        members=[dataclasses.replace(m, match_status=MatchStatus.MATCH if m.nik in matched_niks
                                     else m.match_status) for m in household.members])
    [household_id] = await register_households(uow, [record], node_region)
    return household_id


async def _change(uow: UnitOfWork, stored: StoredHousehold, details: Details,
                  matched_niks: set[str], today: dt.date, proposal_id: str | None) -> str:
    if isinstance(details, NewMember):
        await _add_member(uow, stored, details, matched_niks)
        return "add_member"
    if isinstance(details, DataCorrection):
        await _correct(uow, stored, details, matched_niks)
        return "correct"
    if isinstance(details, Death):
        _record_death(stored, details)
        return "member_death"
    if isinstance(details, Moved):
        _deactivate(stored, InactiveReason.MOVED, details.moved_on)
        return "moved"
    if isinstance(details, Graduation):
        _deactivate(stored, InactiveReason.GRADUATED, today)
        return "graduate"
    if isinstance(details, ProgramEnrolment):
        uow.session.add(ProgramMembership(
            household_id=stored.row.id, member_id=details.member_id, program=details.program,
            period=details.period, start_date=details.start_date, end_date=None, active=True,
            proposal_id=proposal_id))
        return "program_enrol"
    if isinstance(details, ProgramExit):
        for membership in active_memberships(stored, details):
            _end(membership, details.end_date)
        return "program_exit"
    raise AssertionError(f"unknown details {type(details).__name__}")


async def _add_member(uow: UnitOfWork, stored: StoredHousehold, details: NewMember,
                      matched_niks: set[str]) -> None:
    member = details.member
    _, taken = await existing_identifiers(uow.session, (), [member.nik])
    if taken:
        raise Conflict(f"NIK {member.nik} was registered meanwhile; reject this proposal")
    now = utcnow()
    uow.session.add(Member(
        household_id=stored.row.id, nik=member.nik, name=member.name,
        birth_date=member.birth_date, sex=member.sex, relationship=member.relationship,
        education=member.education, occupation=member.occupation, disability=member.disability,
        match_status=MatchStatus.MATCH if member.nik in matched_niks else member.match_status,
        alive=True, death_date=None, created_at=now, updated_at=now))


async def _correct(uow: UnitOfWork, stored: StoredHousehold, details: DataCorrection,
                   matched_niks: set[str]) -> None:
    if stored.row.version != details.base_version:
        raise Conflict(f"household {stored.row.id} changed since this correction was made "
                       f"(version {details.base_version}, now {stored.row.version}): reject it "
                       "and propose the correction again against the current data")
    index = {member_id: i for i, member_id in enumerate(stored.member_ids)}
    after = corrected(stored.record, index, details)
    new_niks = {after.members[index[c.member_id]].nik for c in details.member_changes
                if "nik" in c.changes} - {m.nik for m in stored.members}
    _, taken = await existing_identifiers(uow.session, (), new_niks)
    if taken:
        raise Conflict(f"NIK {', '.join(sorted(taken))} was registered meanwhile; reject this "
                       "proposal")
    for name in details.household_changes:
        value = getattr(after, name)
        setattr(stored.row, name, [str(a) for a in value] if name == "assets" else value)
    for change in details.member_changes:
        position = index[change.member_id]
        row, record = stored.members[position], after.members[position]
        for name in change.changes:
            assert name in MEMBER_CORRECTABLE
            setattr(row, name, getattr(record, name))
        if {"nik", "name", "birth_date", "sex"} & set(change.changes):
            row.match_status = (MatchStatus.MATCH if row.nik in matched_niks
                                else MatchStatus.UNCHECKED)


def _record_death(stored: StoredHousehold, details: Death) -> None:
    member = stored.member(details.member_id)
    assert member is not None
    member.alive = False
    member.death_date = details.death_date
    for membership in stored.programs:
        if membership.active and membership.member_id == member.id:
            _end(membership, details.death_date)
    if not any(m.alive for m in stored.members):
        _deactivate(stored, InactiveReason.DECEASED, details.death_date)


def _deactivate(stored: StoredHousehold, reason: InactiveReason, on: dt.date) -> None:
    stored.row.status = HouseholdStatus.INACTIVE
    stored.row.inactive_reason = reason
    for membership in stored.programs:
        if membership.active:
            _end(membership, on)


def _end(membership: ProgramMembership, on: dt.date) -> None:
    membership.active = False
    membership.end_date = max(on, membership.start_date)

