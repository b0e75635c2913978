"""The suspension rule in SQL (adapters/suspension_queries.py) gives what the pure rule
(domain/suspension.py) gives, on stored households with every status: dead, unchecked and
mismatched heads, a dead head with a living second head, two dead heads, no head, person-level
memberships, inactive memberships."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from regional_node.adapters.orm import Member, ProgramMembership
from regional_node.adapters.suspension_queries import (
    reason_column,
    subject_member_id,
    suspended_memberships,
)
from regional_node.domain.records import ProgramRecord
from regional_node.domain.suspension import SuspensionReason, membership_reason
from schema.enums import Program, Relationship
from tests.factories import household
from tests.node.helpers import store

R = SuspensionReason
# head's (match status, alive) per household, and what its PKH membership reads
HEADS = [
    (("MATCH", True), None),
    (("MISMATCH", True), R.NIK_MISMATCH),
    (("NOT_FOUND", True), R.NIK_NOT_FOUND),
    (("DUPLICATE", True), R.NIK_DUPLICATE),
    (("UNCHECKED", True), R.NIK_UNCHECKED),
    (("DECEASED", True), R.DECEASED),  # Dukcapil reports a death DTKS does not know yet
    (("MATCH", False), R.DECEASED),  # a death recorded in DTKS
]


async def _members(database, household_id: int) -> list[Member]:
    async with database.reader() as session:
        return list((await session.execute(
            select(Member).where(Member.household_id == household_id)
            .order_by(Member.id))).scalars())


async def _set(database, member_id: int, **values: object) -> None:
    async with database.writer() as session:
        await session.execute(update(Member).where(Member.id == member_id).values(**values))
        await session.commit()


async def _seed(database) -> dict[str, int]:
    """Households named by case; returns household ids by case name."""
    records = {f"head {status} {alive}": household(programs=(Program.PKH,))
               for (status, alive), _ in HEADS}
    records["dead head, living second head"] = household(members=3, programs=(Program.BPNT,))
    records["two dead heads"] = household(members=3, programs=(Program.BPNT,))
    records["no head"] = household(members=2, programs=(Program.PKH,))
    person_level = household(members=4, programs=(Program.PKH,))
    person_level.programs += [
        ProgramRecord(Program.PBI_JK, "2026-S1", dt.date(2026, 1, 1), m.nik)
        for m in person_level.members]
    records["person-level"] = person_level
    records["inactive"] = household(programs=(Program.PKH,))
    ids = dict(zip(records, await store(database, list(records.values())), strict=True))
    for ((status, alive), _), name in zip(HEADS, records, strict=False):
        head = (await _members(database, ids[name]))[0]
        await _set(database, head.id, match_status=status, alive=alive)
    first, second, third = await _members(database, ids["dead head, living second head"])
    await _set(database, first.id, alive=False, match_status="MATCH")
    await _set(database, second.id, relationship=Relationship.HEAD.value,
               match_status="MISMATCH")
    await _set(database, third.id, match_status="MATCH")
    first, second, _ = await _members(database, ids["two dead heads"])
    await _set(database, first.id, alive=False, match_status="NOT_FOUND")
    await _set(database, second.id, relationship=Relationship.HEAD.value, alive=False)
    for member in await _members(database, ids["no head"]):
        await _set(database, member.id, relationship=Relationship.CHILD.value,
                   match_status="MATCH")
    head, spouse, child, _ = await _members(database, ids["person-level"])  # last: UNCHECKED
    await _set(database, head.id, match_status="MISMATCH")
    await _set(database, spouse.id, match_status="MATCH")
    await _set(database, child.id, match_status="DECEASED")
    head = (await _members(database, ids["inactive"]))[0]
    await _set(database, head.id, match_status="NOT_FOUND")
    async with database.writer() as session:
        await session.execute(update(ProgramMembership).values(active=False).where(
            ProgramMembership.household_id == ids["inactive"]))
        await session.commit()
    return ids


async def _python_reasons(database) -> dict[int, R | None]:
    async with database.reader() as session:
        memberships = list((await session.execute(select(ProgramMembership))).scalars())
    return {m.id: membership_reason(m.member_id, await _members(database, m.household_id))
            for m in memberships if m.active}


async def test_sql_and_python_agree_on_every_membership(database):
    ids = await _seed(database)
    subject = aliased(Member)
    async with database.reader() as session:
        every = dict((await session.execute(
            select(ProgramMembership.id, reason_column(subject))
            .outerjoin(subject, subject.id == subject_member_id())
            .where(ProgramMembership.active.is_(True)))).all())
        listed = {row.id: row.reason for row in await session.execute(suspended_memberships())}
        by_household = dict((await session.execute(
            select(ProgramMembership.id, ProgramMembership.household_id))).all())
    expected = await _python_reasons(database)
    assert {k: (R(v) if v else None) for k, v in every.items()} == expected
    assert {k: R(v) for k, v in listed.items()} == {
        k: v for k, v in expected.items() if v is not None}
    reason_of = {name: sorted((str(expected[m]) if expected[m] else "-")
                              for m in expected if by_household[m] == ids[name])
                 for name in ids}
    for ((status, alive), reason), name in zip(HEADS, ids, strict=False):
        assert reason_of[name] == [str(reason) if reason else "-"], (status, alive)
    assert reason_of["dead head, living second head"] == ["NIK_MISMATCH"]
    assert reason_of["two dead heads"] == ["DECEASED"]
    assert reason_of["no head"] == ["NO_HEAD"]
    # PKH rests on the mismatched head; each PBI-JK on its own person
    assert reason_of["person-level"] == ["-", "DECEASED", "NIK_MISMATCH", "NIK_MISMATCH",
                                         "NIK_UNCHECKED"]
    assert reason_of["inactive"] == []
