"""Warnings on implausible but possible data (issue 15), pure: each rule with a clean control."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from regional_node.domain.plausibility import WarningKind, household_findings
from regional_node.domain.records import HouseholdRecord
from schema.enums import Relationship
from schema.identity_numbers import Sex
from tests.node.import_files import generate_households


@pytest.fixture
def family() -> HouseholdRecord:
    """Head (man, 1950), spouse (woman, 1959), two children (1968, 1977): plausible."""
    return generate_households(1)[0]


def born(record: HouseholdRecord, index: int, day: dt.date) -> None:
    record.members[index] = dataclasses.replace(record.members[index], birth_date=day)


def kinds(record: HouseholdRecord) -> list[tuple[WarningKind, int | None]]:
    return [(f.kind, f.member) for f in household_findings(record)]


def test_a_plausible_family_has_no_warning(family: HouseholdRecord) -> None:
    assert kinds(family) == []


def test_born_before_1900(family: HouseholdRecord) -> None:
    born(family, 0, dt.date(1899, 12, 31))
    [finding] = household_findings(family)
    assert (finding.kind, finding.member, finding.column) == (
        WarningKind.BORN_BEFORE_1900, 0, "birth_date")
    assert finding.message.text("id").startswith("tanggal lahir ")
    assert finding.message.text("en").endswith("birth date 1899-12-31 is before 1900: check "
                                               "the year")


def test_a_child_older_than_the_head(family: HouseholdRecord) -> None:
    born(family, 2, dt.date(1949, 6, 1))
    assert kinds(family) == [(WarningKind.CHILD_OLDER_THAN_HEAD, 2),
                             (WarningKind.CHILD_OLDER_THAN_MOTHER, 2)]


def test_a_child_older_than_the_mother_only(family: HouseholdRecord) -> None:
    born(family, 3, dt.date(1955, 6, 1))  # younger than the head (1950), older than her (1959)
    assert kinds(family) == [(WarningKind.CHILD_OLDER_THAN_MOTHER, 3)]


def test_a_mother_who_heads_the_household_is_warned_about_once(
        family: HouseholdRecord) -> None:
    family.members[0] = dataclasses.replace(family.members[0], sex=Sex.FEMALE)
    family.members[1] = dataclasses.replace(family.members[1], sex=Sex.MALE,
                                            birth_date=dt.date(1940, 1, 1))
    born(family, 2, dt.date(1949, 6, 1))
    assert kinds(family) == [(WarningKind.CHILD_OLDER_THAN_HEAD, 2)]


def test_other_relatives_may_be_older_than_the_head(family: HouseholdRecord) -> None:
    family.members[2] = dataclasses.replace(family.members[2],
                                            relationship=Relationship.PARENT,
                                            birth_date=dt.date(1925, 1, 1))
    assert kinds(family) == []


def test_a_kk_of_another_province(family: HouseholdRecord) -> None:
    family.kk_number = "35" + family.kk_number[2:]
    [finding] = household_findings(family)
    assert (finding.kind, finding.member, finding.column) == (
        WarningKind.KK_OTHER_PROVINCE, None, "kk_number")
    assert "provinsi 35" in finding.message.text("id")
    assert "province 32" in finding.message.text("en")
