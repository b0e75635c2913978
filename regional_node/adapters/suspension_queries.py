"""The suspension rule of :mod:`regional_node.domain.suspension` as SQL, for listing and
counting suspended memberships in the database (one pass, no rows loaded into Python).

:func:`subject_member_id` names the person a membership rests on (its member, or the
household's head: the lowest-id living HEAD, else the lowest-id HEAD); :func:`reason_column`
is the reason as a column, NULL when the membership pays. Join :class:`Member` aliased as
the subject on ``subject_member_id(...)`` (outer join: a household with no head has none).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from regional_node.adapters.orm import Member, ProgramMembership
from regional_node.domain.suspension import SuspensionReason
from schema.enums import MatchStatus, Relationship


def subject_member_id(membership: Any = ProgramMembership) -> ColumnElement[Any]:
    """The member whose Dukcapil status decides: the membership's own, or the head's."""
    def head(*, living: bool) -> ColumnElement[Any]:
        member = aliased(Member)
        statement = select(func.min(member.id)).where(
            member.household_id == membership.household_id,
            member.relationship == Relationship.HEAD.value)
        if living:
            statement = statement.where(member.alive.is_(True))
        return statement.scalar_subquery()

    return func.coalesce(membership.member_id, head(living=True), head(living=False))


def reason_column(subject: Any) -> ColumnElement[Any]:
    """The :class:`SuspensionReason` value for ``subject`` (an aliased :class:`Member`, outer
    joined), NULL when the membership pays."""
    return case(
        (subject.id.is_(None), literal(SuspensionReason.NO_HEAD.value)),
        (or_(subject.alive.is_(False), subject.match_status == MatchStatus.DECEASED.value),
         literal(SuspensionReason.DECEASED.value)),
        (subject.match_status == MatchStatus.MATCH.value, literal(None)),
        else_=literal("NIK_") + subject.match_status,
    )


def suspended_memberships() -> Select[Any]:
    """``(membership id, household id, program, period, reason)`` of every active membership
    whose aid is suspended."""
    subject = aliased(Member)
    reason = reason_column(subject).label("reason")
    inner = (select(ProgramMembership.id, ProgramMembership.household_id,
                    ProgramMembership.program, ProgramMembership.period, reason)
             .outerjoin(subject, subject.id == subject_member_id())
             .where(ProgramMembership.active.is_(True)).subquery())
    return select(inner).where(inner.c.reason.is_not(None))
