"""When aid is suspended (ditangguhkan): a membership pays only while the person it rests on is
padan with Dukcapil and alive.

The person is the member for person-level programs (PBI-JK, PIP) and the household head for
household programs (PKH, BPNT, ...): its living head, or, when every head died, a dead one
(so the membership reads DECEASED until a correction names the new head).

A suspension is never stored: it follows from the registry as it is, so it lifts by itself
the moment the anomaly is fixed (a new NIK check that returns MATCH, a corrected head).
Pure: no database.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from schema.enums import MatchStatus, Relationship
from schema.suspension import REASON_TEXT, SuspensionReason

__all__ = ["REASON_TEXT", "SuspensionReason", "membership_reason", "subject_member",
           "suspension_reason"]


def suspension_reason(match_status: str | None, alive: bool | None) -> SuspensionReason | None:
    """Why aid resting on a person with this Dukcapil status is suspended, or None when it
    pays. ``match_status`` None: there is no such person (no head)."""
    if match_status is None or alive is None:
        return SuspensionReason.NO_HEAD
    if not alive or match_status == MatchStatus.DECEASED:
        return SuspensionReason.DECEASED
    if match_status == MatchStatus.MATCH:
        return None
    return SuspensionReason(f"NIK_{match_status}")


class Person(Protocol):
    """What the rule reads of a stored member (an ORM row fits)."""

    @property
    def id(self) -> int: ...
    @property
    def relationship(self) -> str: ...
    @property
    def alive(self) -> bool: ...
    @property
    def match_status(self) -> str: ...


P = TypeVar("P", bound=Person)


def subject_member(member_id: int | None, members: Iterable[P]) -> P | None:
    """The person a membership rests on, of its household's ``members``: the member itself
    (``member_id``, person-level programs), else the lowest-id living head, else the lowest-id
    head; None when there is none. The same choice as ``suspension_queries.subject_member_id``."""
    ordered = sorted(members, key=lambda m: m.id)
    if member_id is not None:
        return next((m for m in ordered if m.id == member_id), None)
    heads = [m for m in ordered if m.relationship == Relationship.HEAD]
    return next((m for m in heads if m.alive), heads[0] if heads else None)


def membership_reason(member_id: int | None, members: Iterable[Person]
                      ) -> SuspensionReason | None:
    """Why the membership (its ``member_id``, its household's ``members``) is suspended."""
    subject = subject_member(member_id, members)
    if subject is None:
        return suspension_reason(None, None)
    return suspension_reason(subject.match_status, subject.alive)
