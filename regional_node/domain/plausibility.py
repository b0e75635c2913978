"""Warnings: data that is implausible but possible. Unlike an error, a warning never stops a
household from being stored; it is kept with the household for Dinas Sosial to check and
resolve with a note. Pure: no database.

Kinds (each message from the ``import`` catalogue, naming what was typed):

- ``BORN_BEFORE_1900``: a birth date before 1900 (a typo for 19xx, usually);
- ``CHILD_OLDER_THAN_HEAD``: a CHILD born before the household head;
- ``CHILD_OLDER_THAN_MOTHER``: a CHILD born before the mother (the female head or spouse,
  when she is not the head: the head's own warning covers that);
- ``KK_OTHER_PROVINCE``: the KK number's province digits are not the desa's province
  (a KK issued elsewhere and never moved, or a typo).

And from a Dukcapil check (``regional_node.service_layer.registry_findings``):

- ``DECEASED_AT_DUKCAPIL``: a member alive in DTKS whom Dukcapil records as dead;
- ``SEX_DIFFERS_AT_DUKCAPIL``: Dukcapil records another sex.

And from the gateway's NIK directory (``regional_node.service_layer.duplicate_findings``):

- ``CROSS_REGION_DUPLICATE``: the member's NIK is held by another kab/kota too (data ganda
  lintas wilayah), named in the message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from regional_node.domain.import_messages import Message, msg
from regional_node.domain.records import HouseholdRecord, MemberRecord
from schema.enums import Relationship
from schema.identity_numbers import Sex

OLDEST_PLAUSIBLE = dt.date(1900, 1, 1)


class WarningKind(StrEnum):
    BORN_BEFORE_1900 = "BORN_BEFORE_1900"
    CHILD_OLDER_THAN_HEAD = "CHILD_OLDER_THAN_HEAD"
    CHILD_OLDER_THAN_MOTHER = "CHILD_OLDER_THAN_MOTHER"
    KK_OTHER_PROVINCE = "KK_OTHER_PROVINCE"
    DECEASED_AT_DUKCAPIL = "DECEASED_AT_DUKCAPIL"
    SEX_DIFFERS_AT_DUKCAPIL = "SEX_DIFFERS_AT_DUKCAPIL"
    CROSS_REGION_DUPLICATE = "CROSS_REGION_DUPLICATE"


@dataclass(frozen=True, slots=True)
class Finding:
    """One warning: ``member`` is the index of the member it is about (None: the household),
    ``column`` the import column to look at."""

    kind: WarningKind
    member: int | None
    column: str
    message: Message


def household_findings(record: HouseholdRecord) -> list[Finding]:
    """Every warning about ``record`` (an empty list for plausible data)."""
    findings = [_kk_province(record)] if record.kk_number[:2] != record.desa_code[:2] else []
    head = _first(record.members, Relationship.HEAD)
    mother = _mother(record.members, head)
    for index, member in enumerate(record.members):
        if member.birth_date < OLDEST_PLAUSIBLE:
            findings.append(Finding(
                WarningKind.BORN_BEFORE_1900, index, "birth_date", msg(
                    "{name}'s birth date {born} is before 1900: check the year",
                    name=member.name, born=member.birth_date.isoformat())))
        if member.relationship is not Relationship.CHILD:
            continue
        if head is not None and member.birth_date < head.birth_date:
            findings.append(Finding(
                WarningKind.CHILD_OLDER_THAN_HEAD, index, "birth_date", msg(
                    "child {child} (born {child_born}) is older than the household head "
                    "{parent} (born {parent_born})", **_older(member, head))))
        if mother is not None and member.birth_date < mother.birth_date:
            findings.append(Finding(
                WarningKind.CHILD_OLDER_THAN_MOTHER, index, "birth_date", msg(
                    "child {child} (born {child_born}) is older than the mother {parent} "
                    "(born {parent_born})", **_older(member, mother))))
    return findings


def _kk_province(record: HouseholdRecord) -> Finding:
    return Finding(
        WarningKind.KK_OTHER_PROVINCE, None, "kk_number", msg(
            "KK {kk} was issued in province {kk_province}, the desa {desa} lies in province "
            "{desa_province}", kk=record.kk_number, kk_province=record.kk_number[:2],
            desa=record.desa_code, desa_province=record.desa_code[:2]))


def _older(child: MemberRecord, parent: MemberRecord) -> dict[str, str]:
    return {"child": child.name, "child_born": child.birth_date.isoformat(),
            "parent": parent.name, "parent_born": parent.birth_date.isoformat()}


def _first(members: list[MemberRecord], relationship: Relationship) -> MemberRecord | None:
    return next((m for m in members if m.relationship is relationship), None)


def _mother(members: list[MemberRecord], head: MemberRecord | None) -> MemberRecord | None:
    """The female spouse when the head is not the mother (the head's warning covers her)."""
    if head is not None and head.sex is Sex.FEMALE:
        return None
    return next((m for m in members if m.relationship is Relationship.SPOUSE
                 and m.sex is Sex.FEMALE), None)


def cross_region_message(nik: str, others: list[tuple[str, str]]) -> Message:
    """A duplicate across regions, naming the other kab/kota (code, name) that holds the NIK."""
    named = ", ".join(f"{name} ({code})" if name else code for code, name in others)
    return msg("NIK {nik} is also registered in {named}: check with that region's Dinas "
               "Sosial and Dukcapil where this person lives.", nik=nik, named=named)
