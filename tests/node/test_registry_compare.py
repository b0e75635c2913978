"""Matching one person against the registry's record: only what both sides know counts."""

import datetime as dt

import pytest

from regional_node.domain.population_registry import (
    IdentityQuery,
    RegistryOutcome,
    Resident,
    compare,
)

NIK = "3273014101900001"
BORN = dt.date(1990, 1, 1)
QUERY = IdentityQuery(NIK, "Siti Aminah", BORN, kk_number="3273010101200001")


def resident(**changes: object) -> Resident:
    fields: dict = {"nik": NIK, "name": "SITI AMINAH", "birth_date": BORN,
                    "kk_number": "3273010101200001"}
    return Resident(**{**fields, **changes})


def test_the_same_person_matches() -> None:
    assert compare(QUERY, resident()).outcome is RegistryOutcome.MATCH


@pytest.mark.parametrize("unknown", ["kk_number", "birth_date"])
def test_a_field_the_registry_leaves_empty_is_not_a_mismatch(unknown: str) -> None:
    result = compare(QUERY, resident(**{unknown: None}))
    assert (result.outcome, result.mismatched) == (RegistryOutcome.MATCH, ())


@pytest.mark.parametrize(("field", "value"), [("kk_number", "3273010101200002"),
                                              ("birth_date", dt.date(1990, 1, 2)),
                                              ("name", "SITI AMINNAH")])
def test_a_field_both_sides_know_and_that_differs_is_a_mismatch(field: str,
                                                                value: object) -> None:
    result = compare(QUERY, resident(**{field: value}))
    assert (result.outcome, result.mismatched) == (RegistryOutcome.MISMATCH, (field,))


def test_a_query_without_kk_compares_no_kk() -> None:
    query = IdentityQuery(NIK, "Siti Aminah", BORN)
    assert compare(query, resident(kk_number="3273010101200002")).outcome \
        is RegistryOutcome.MATCH
