"""Whether a proposal's details make sense against the registry as it stands.

Run when a proposal is created or resubmitted (so an operator hears at once) and again when it
is approved (the household may have changed meanwhile). Every problem is reported at once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.attachments import attachment_exists
from regional_node.adapters.household_records import StoredHousehold, load_household
from regional_node.adapters.orm import ProgramMembership
from regional_node.domain.proposal_details import (
    MAX_PERIOD_LENGTH,
    DataCorrection,
    Death,
    Details,
    Graduation,
    Moved,
    MusdesReference,
    NewHousehold,
    NewMember,
    ProgramEnrolment,
    ProgramExit,
    corrected,
    correction_problems,
    dated_problems,
    kind_of,
    musdes_problems,
    text_problems,
    with_new_member,
)
from regional_node.domain.proposals import ProposalScope
from regional_node.domain.records import Problem, household_problems
from regional_node.errors import InvalidRecord, NotFound
from schema.enums import HouseholdStatus


async def locate(session: AsyncSession, details: Details
                 ) -> tuple[ProposalScope, StoredHousehold | None]:
    """Where the proposal lies (for scope checks) and the household it is about, if any."""
    if isinstance(details, NewHousehold):
        return ProposalScope(details.household.desa_code, None), None
    stored = await load_household(session, details.household_id)
    if stored is None:
        raise NotFound(f"household {details.household_id} is not registered on this node")
    return ProposalScope(stored.row.desa_code, stored.row.id), stored


async def require_valid(session: AsyncSession, details: Details, stored: StoredHousehold | None,
                        musdes: MusdesReference | None, node_region: str,
                        today: dt.date) -> None:
    problems = musdes_problems(musdes, kind_of(details), today)
    if musdes is not None and len(musdes.minutes_sha256) == 64 and not await attachment_exists(
            session, musdes.minutes_sha256):
        problems.append(Problem("musdes.minutes_sha256", "unknown_attachment",
                                "no uploaded file has this hash: upload the minutes first"))
    problems += detail_problems(details, stored, node_region, today)
    if problems:
        raise InvalidRecord(problems)


def detail_problems(details: Details, stored: StoredHousehold | None, node_region: str,
                    today: dt.date) -> list[Problem]:
    if isinstance(details, NewHousehold):
        return household_problems(details.household, node_region)
    assert stored is not None
    status = HouseholdStatus(stored.row.status)
    problems: list[Problem] = []
    if isinstance(details, NewMember):
        problems += _not_inactive(status)
        problems += household_problems(with_new_member(stored.record, details.member),
                                       node_region)
    elif isinstance(details, DataCorrection):
        problems += _not_inactive(status)
        problems += correction_problems(details, set(stored.member_ids))
        if not problems:
            index = {member_id: i for i, member_id in enumerate(stored.member_ids)}
            problems += household_problems(corrected(stored.record, index, details),
                                           node_region)
    elif isinstance(details, Death):
        problems += _death_problems(details, stored, today)
    elif isinstance(details, Moved):
        problems += _not_inactive(status)
        problems += dated_problems("moved_on", details.moved_on, today)
        problems += text_problems("destination", details.destination, required=False)
    elif isinstance(details, Graduation):
        problems += _active(status)
        problems += text_problems("reason", details.reason, required=True)
    elif isinstance(details, ProgramEnrolment):
        problems += _enrolment_problems(details, stored, status)
    elif isinstance(details, ProgramExit):
        problems += _exit_problems(details, stored, today)
    return problems


def _not_inactive(status: HouseholdStatus) -> list[Problem]:
    if status is HouseholdStatus.INACTIVE:
        return [Problem("household_id", "household_inactive", "the household is inactive")]
    return []


def _active(status: HouseholdStatus) -> list[Problem]:
    if status is not HouseholdStatus.ACTIVE:
        return [Problem("household_id", "household_not_active",
                        f"the household is {status}, not ACTIVE")]
    return []


def _living_member(stored: StoredHousehold, member_id: int) -> list[Problem]:
    member = stored.member(member_id)
    if member is None:
        return [Problem("member_id", "unknown_member",
                        f"member {member_id} is not in household {stored.row.id}")]
    if not member.alive:
        return [Problem("member_id", "deceased", f"member {member_id} is recorded as deceased")]
    return []


def _death_problems(details: Death, stored: StoredHousehold, today: dt.date) -> list[Problem]:
    problems = _living_member(stored, details.member_id)
    member = stored.member(details.member_id)
    if member is not None:
        problems += dated_problems("death_date", details.death_date, today, member.birth_date)
    return problems


def _enrolment_problems(details: ProgramEnrolment, stored: StoredHousehold,
                        status: HouseholdStatus) -> list[Problem]:
    problems = _active(status)
    if details.member_id is not None:
        problems += _living_member(stored, details.member_id)
    problems += text_problems("period", details.period, required=True, limit=MAX_PERIOD_LENGTH)
    if any(p.active and p.program == details.program and p.member_id == details.member_id
           and p.period == details.period for p in stored.programs):
        problems.append(Problem("program", "already_enrolled",
                                f"already enrolled in {details.program} for {details.period}"))
    return problems


def _exit_problems(details: ProgramExit, stored: StoredHousehold,
                   today: dt.date) -> list[Problem]:
    problems = dated_problems("end_date", details.end_date, today)
    if not active_memberships(stored, details):
        who = f"member {details.member_id}" if details.member_id else "the household"
        problems.append(Problem("program", "not_enrolled",
                                f"{who} has no active {details.program} membership"))
    return problems


def active_memberships(stored: StoredHousehold,
                       details: ProgramExit) -> list[ProgramMembership]:
    return [p for p in stored.programs
            if p.active and p.program == details.program and p.member_id == details.member_id]
