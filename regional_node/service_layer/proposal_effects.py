"""What approval does to the registry, per kind of proposal, inside the approving transaction.

Each change bumps ``household.version`` (optimistic concurrency: a correction made against an
older version is refused) and leaves its own audit entry, digests of the household before and
after, next to the proposal's. It also says what undoing it would take (:class:`Applied`
``undo``: the version right after the change, previous values, the memberships it ended), kept
in the approval's history entry for when Kemensos returns the proposal
(``proposal_returns``). The household's PMT score is computed again (docs/pmt.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

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
from regional_node.service_layer.pmt import rescore
from regional_node.service_layer.proposal_reregister import reregister
from regional_node.service_layer.proposal_rules import active_memberships
from regional_node.service_layer.registry import existing_identifiers, register_households
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.enums import HouseholdStatus, InactiveReason, MatchStatus


@dataclass(frozen=True, slots=True)
class Applied:
    household_id: int
    undo: dict[str, Any]  # plain JSON: what a return needs to undo the change


async def apply_details(uow: UnitOfWork, details: Details, matched_niks: set[str],
                        node_region: str, today: dt.date, proposal_id: str | None = None,
                        *, reuse_household: int | None = None) -> Applied:
    """Change the registry as ``details`` says; return the household it concerns and how to
    undo the change. ``proposal_id``: the proposal being approved (an enrolment's membership
    keeps it, so it counts as determined only once that proposal is). ``reuse_household``: a
    new household correcting a returned one takes over that household's row
    (``proposal_reregister``)."""
    if isinstance(details, NewHousehold):
        record = _proposed(details.household, matched_niks)
        if reuse_household is not None:
            version = await reregister(uow, reuse_household, record)
            return Applied(reuse_household, {"version": version})
        [household_id] = await register_households(uow, [record], node_region)
        return Applied(household_id, {"version": 1})
    stored = await load_household(uow.session, details.household_id, for_update=True)
    if stored is None:
        raise NotFound(f"household {details.household_id} is no longer registered")
    before = snapshot(stored.record)
    action, undo = await _change(uow, stored, details, matched_niks, today, proposal_id)
    stored.row.version += 1
    stored.row.updated_at = utcnow()
    await uow.session.flush()
    await rescore(uow.session, [stored.row.id])
    after = await load_household(uow.session, stored.row.id)
    assert after is not None
    uow.audit.record(f"household.{action}", "household", stored.row.id, before=before,
                     after=snapshot(after.record))
    return Applied(stored.row.id, {"version": stored.row.version, **undo})


def _proposed(household: HouseholdRecord, matched_niks: set[str]) -> HouseholdRecord:
    return dataclasses.replace(
        household, status=HouseholdStatus.PROPOSED,  # ACTIVE once Kemensos determines it
        members=[dataclasses.replace(m, match_status=MatchStatus.MATCH if m.nik in matched_niks
                                     else m.match_status) for m in household.members])


async def _change(uow: UnitOfWork, stored: StoredHousehold, details: Details,
                  matched_niks: set[str], today: dt.date, proposal_id: str | None
                  ) -> tuple[str, dict[str, Any]]:
    if isinstance(details, NewMember):
        return "add_member", {"member_id": await _add_member(uow, stored, details,
                                                             matched_niks)}
    if isinstance(details, DataCorrection):
        return "correct", await _correct(uow, stored, details, matched_niks)
    if isinstance(details, Death):
        return "member_death", _record_death(stored, details)
    if isinstance(details, Moved):
        return "moved", _deactivate(stored, InactiveReason.MOVED, details.moved_on)
    if isinstance(details, Graduation):
        return "graduate", _deactivate(stored, InactiveReason.GRADUATED, today)
    if isinstance(details, ProgramEnrolment):
        uow.session.add(ProgramMembership(
            household_id=stored.row.id, member_id=details.member_id, program=details.program,
            period=details.period, start_date=details.start_date, end_date=None, active=True,
            proposal_id=proposal_id))
        return "program_enrol", {}  # a return finds the membership by its proposal_id
    if isinstance(details, ProgramExit):
        return "program_exit", {"ended": _end_all(active_memberships(stored, details),
                                                  details.end_date)}
    raise AssertionError(f"unknown details {type(details).__name__}")


async def _add_member(uow: UnitOfWork, stored: StoredHousehold, details: NewMember,
                      matched_niks: set[str]) -> int:
    member = details.member
    _, taken = await existing_identifiers(uow.session, (), [member.nik])
    if taken:
        raise Conflict(f"NIK {member.nik} was registered meanwhile; reject this proposal")
    now = utcnow()
    row = Member(
        household_id=stored.row.id, nik=member.nik, name=member.name,
        birth_date=member.birth_date, sex=member.sex, relationship=member.relationship,
        education=member.education, occupation=member.occupation, disability=member.disability,
        match_status=MatchStatus.MATCH if member.nik in matched_niks else member.match_status,
        alive=True, death_date=None, created_at=now, updated_at=now)
    uow.session.add(row)
    await uow.session.flush()
    return row.id


async def _correct(uow: UnitOfWork, stored: StoredHousehold, details: DataCorrection,
                   matched_niks: set[str]) -> dict[str, Any]:
    """Apply the correction; return the previous values of what it changed."""
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
    previous: dict[str, Any] = {
        "household": {name: plain(getattr(stored.row, name))
                      for name in details.household_changes},
        "members": {}}
    for name in details.household_changes:
        value = getattr(after, name)
        setattr(stored.row, name, [str(a) for a in value] if name == "assets" else value)
    for change in details.member_changes:
        position = index[change.member_id]
        row, record = stored.members[position], after.members[position]
        previous["members"][str(row.id)] = {
            name: plain(getattr(row, name)) for name in (*change.changes, "match_status")}
        for name in change.changes:
            assert name in MEMBER_CORRECTABLE
            setattr(row, name, getattr(record, name))
        if {"nik", "name", "birth_date", "sex"} & set(change.changes):
            row.match_status = (MatchStatus.MATCH if row.nik in matched_niks
                                else MatchStatus.UNCHECKED)
    return previous


def plain(value: Any) -> Any:
    """A column value as JSON keeps it (dates as ISO text)."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _record_death(stored: StoredHousehold, details: Death) -> dict[str, Any]:
    member = stored.member(details.member_id)
    assert member is not None
    undo: dict[str, Any] = {"member_id": member.id, "status": stored.row.status,
                            "inactive_reason": stored.row.inactive_reason}
    member.alive = False
    member.death_date = details.death_date
    undo["ended"] = _end_all([m for m in stored.programs
                              if m.active and m.member_id == member.id], details.death_date)
    if not any(m.alive for m in stored.members):
        undo["ended"] |= _deactivate(stored, InactiveReason.DECEASED,
                                     details.death_date)["ended"]
    return undo


def _deactivate(stored: StoredHousehold, reason: InactiveReason, on: dt.date
                ) -> dict[str, Any]:
    undo = {"status": stored.row.status, "inactive_reason": stored.row.inactive_reason}
    stored.row.status = HouseholdStatus.INACTIVE
    stored.row.inactive_reason = reason
    return {**undo, "ended": _end_all([m for m in stored.programs if m.active], on)}


def _end_all(memberships: list[ProgramMembership], on: dt.date) -> dict[str, str | None]:
    """End these memberships; return their ids (as text) and end dates before."""
    ended = {str(m.id): plain(m.end_date) for m in memberships}
    for membership in memberships:
        _end(membership, on)
    return ended


def _end(membership: ProgramMembership, on: dt.date) -> None:
    membership.active = False
    membership.end_date = max(on, membership.start_date)
