"""Fitting a PMT by least squares: the solver, and coefficients recovered from generated data
whose consumption a known model makes."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from regional_node.domain.pmt import HouseholdFacts, MemberFacts, features
from regional_node.domain.pmt_fit import fit, solve
from schema.errors import InvalidInput

ON = dt.date(2026, 12, 7)
KNOWN_INTERCEPT = 13.4
KNOWN = {"floor_material=EARTH": -0.21, "cooking_fuel=WOOD": -0.14, "toilet=NONE": -0.17,
         "asset=MOTORCYCLE": 0.09, "asset=CAR": 0.31, "log_household_size": -0.35,
         "log_floor_area_per_person": 0.12, "share_children": -0.28, "head_works": 0.05,
         "head_education=BACHELOR": 0.22}


def test_solve_a_small_system_by_hand() -> None:
    # 2x + y = 5, x + 3y = 10  ->  x = 1, y = 3
    assert solve([[2, 1], [1, 3]], [5, 10]) == pytest.approx([1.0, 3.0])
    # a zero first pivot needs a row swap
    assert solve([[0, 1], [1, 0]], [2, 7]) == pytest.approx([7.0, 2.0])


def test_a_singular_system_names_the_column() -> None:
    with pytest.raises(InvalidInput) as refused:
        solve([[1, 2], [2, 4]], [1, 2], ["(intercept)", "share_children"])
    assert refused.value.field == "share_children"
    assert "share_children" in refused.value.message


def _household(rng: random.Random) -> HouseholdFacts:
    size = rng.randint(1, 8)
    children = rng.randint(0, size - 1)
    people = [MemberFacts(dt.date(rng.randint(1950, 2000), 1, 1), "MALE", "HEAD",
                          rng.choice(["SD", "SMA", "BACHELOR"]),
                          rng.choice(["Petani", "Belum/Tidak Bekerja"]), "NONE", True)]
    people += [MemberFacts(dt.date(2020, 1, 1) if i < children else dt.date(1995, 1, 1),
                           "FEMALE", "CHILD", None, None, "NONE", True) for i in range(size - 1)]
    return HouseholdFacts(
        "32.73.01.1001",
        {"floor_material": rng.choice(["EARTH", "CERAMIC"]),
         "cooking_fuel": rng.choice(["WOOD", "LPG"]), "toilet": rng.choice(["NONE", "PRIVATE"])},
        rng.uniform(8, 200), [a for a in ("MOTORCYCLE", "CAR") if rng.random() < 0.4], people)


def _samples(count: int, noise: float, seed: int) -> list[tuple[dict[str, float], float]]:
    rng = random.Random(seed)
    samples = []
    for _ in range(count):
        found = features(_household(rng), ON)
        y = KNOWN_INTERCEPT + sum(KNOWN.get(name, 0.0) * v for name, v in found.items())
        samples.append((found, y + rng.gauss(0, noise)))
    return samples


def test_fit_recovers_known_coefficients_exactly_without_noise() -> None:
    result = fit(_samples(400, 0.0, seed=1), list(KNOWN))
    assert result.coefficients.intercept == pytest.approx(KNOWN_INTERCEPT, abs=1e-9)
    assert result.coefficients.weights == pytest.approx(KNOWN, abs=1e-9)
    assert result.r_squared == pytest.approx(1.0)
    assert result.households == 400 and result.left_out == ()


def test_fit_recovers_known_coefficients_through_noise() -> None:
    result = fit(_samples(20_000, 0.2, seed=2), list(KNOWN))
    assert result.coefficients.intercept == pytest.approx(KNOWN_INTERCEPT, abs=0.03)
    for name, weight in KNOWN.items():
        assert result.coefficients.weights[name] == pytest.approx(weight, abs=0.02), name


def test_features_absent_from_the_data_are_left_out() -> None:
    result = fit(_samples(200, 0.0, seed=3), [*KNOWN, "lighting=NONE"])
    assert result.left_out == ("lighting=NONE",)
    assert "lighting=NONE" not in result.coefficients.weights


def test_a_feature_that_duplicates_another_is_refused() -> None:
    # every household has a head: head_education=SD + SMA + BACHELOR = the intercept
    names = [*KNOWN, "head_education=SD", "head_education=SMA"]
    with pytest.raises(InvalidInput) as refused:
        fit(_samples(200, 0.0, seed=4), names)
    assert refused.value.reason == "collinear"
    assert refused.value.field == "head_education=SMA"


def test_too_few_households_are_refused() -> None:
    with pytest.raises(InvalidInput, match="too little survey data: 5 households for 10"):
        fit(_samples(5, 0.0, seed=5), list(KNOWN))
