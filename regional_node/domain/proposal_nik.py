"""The NIK step of a proposal: which people to check against the population registry
(Dukcapil) and what the outcomes mean for the proposal.

The registry is asked by :func:`regional_node.service_layer.nik_matching.check_persons`
(which also decides DUPLICATE from the node's own data); this module only says who is asked
and what the answers mean for the proposal. Pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from regional_node.domain.proposal_details import (
    IDENTITY_FIELDS,
    DataCorrection,
    Death,
    Details,
    NewHousehold,
    NewMember,
    corrected,
)
from regional_node.domain.proposals import ProposalAction
from regional_node.domain.records import HouseholdRecord, MemberRecord
from schema.enums import MatchStatus
from schema.identity_numbers import Sex, mask_number


@dataclass(frozen=True, slots=True)
class ProposalPerson:
    """A person a proposal puts before the registry. ``member_id`` is the stored member it is
    (None: someone new); ``kk_number`` is the family card the registry should list them on."""

    nik: str
    name: str
    birth_date: dt.date
    sex: Sex
    kk_number: str | None
    member_id: int | None
    deceased_expected: bool = False  # a death proposal: Dukcapil saying DECEASED confirms it


@dataclass(frozen=True, slots=True)
class NikResult:
    nik: str
    name: str
    outcome: MatchStatus  # UNCHECKED: the registry refused this one item
    acceptable: bool
    detail: str = ""


def people_to_check(details: Details, current: HouseholdRecord | None,
                    member_ids: Sequence[int] = ()) -> list[ProposalPerson]:
    """Who a proposal puts before Dukcapil.

    ``current`` is the household as it stands with ``member_ids`` parallel to its members
    (None for a new household). Corrections send only people whose identity (NIK, name,
    birth date, sex) changes; exits, moves, graduation and enrolments check nobody.
    """
    if isinstance(details, NewHousehold):
        kk = details.household.kk_number
        return [_person(m, kk, None) for m in details.household.members]
    if current is None:
        return []
    if isinstance(details, NewMember):
        return [_person(details.member, current.kk_number, None)]
    index = {member_id: i for i, member_id in enumerate(member_ids)}
    if isinstance(details, Death):
        member = current.members[index[details.member_id]]
        return [_person(member, current.kk_number, details.member_id, deceased=True)]
    if isinstance(details, DataCorrection):
        after = corrected(current, index, details)
        return [_person(after.members[index[m.member_id]], current.kk_number, m.member_id)
                for m in details.member_changes if IDENTITY_FIELDS & set(m.changes)]
    return []


def _person(member: MemberRecord, kk_number: str | None, member_id: int | None, *,
            deceased: bool = False) -> ProposalPerson:
    return ProposalPerson(member.nik, member.name, member.birth_date, member.sex, kk_number,
                          member_id, deceased)


def is_acceptable(person: ProposalPerson, outcome: MatchStatus) -> bool:
    if outcome is MatchStatus.MATCH:
        return True
    return person.deceased_expected and outcome is MatchStatus.DECEASED


def result(person: ProposalPerson, outcome: MatchStatus | None, detail: str = "") -> NikResult:
    """``outcome`` None: the registry refused the item; nothing learnt, so not acceptable."""
    status = outcome if outcome is not None else MatchStatus.UNCHECKED
    return NikResult(person.nik, person.name, status, is_acceptable(person, status), detail)


def verdict(results: Sequence[NikResult]) -> ProposalAction:
    """Valid when every person is acceptable (or nobody needed checking); else an anomaly."""
    if all(r.acceptable for r in results):
        return ProposalAction.MARK_NIK_VALID
    return ProposalAction.MARK_NIK_ANOMALY


OUTCOME_WORDS = {
    MatchStatus.MISMATCH: "does not match Dukcapil (tidak padan: name or birth date differ)",
    MatchStatus.NOT_FOUND: "is not found at Dukcapil",
    MatchStatus.DECEASED: "belongs to a person Dukcapil records as deceased",
    MatchStatus.DUPLICATE: "is already registered in another household (data ganda)",
    MatchStatus.UNCHECKED: "was refused by the registry (check the NIK, name and birth date)",
    MatchStatus.MATCH: "matches",
}


def anomaly_message(results: Sequence[NikResult]) -> str:
    """One line per anomaly, for the operator's notification. NIKs are masked."""
    lines = [f"NIK {mask_number(r.nik)} ({r.name}) {OUTCOME_WORDS[r.outcome]}"
             for r in results if not r.acceptable]
    return "; ".join(lines)
