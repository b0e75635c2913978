"""The PMT's features and score on hand-computed households, the model file's checks, and the
bulk path's scorer held equal to the definition."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest

from regional_node.domain.household_rows import household_rows
from regional_node.domain.pmt import (
    FEATURES,
    Coefficients,
    HouseholdFacts,
    MemberFacts,
    PmtModel,
    RowScorer,
    facts_from_rows,
    features,
)
from regional_node.domain.pmt_model import model_text, parse_model
from regional_node.errors import InvalidModel
from regional_node.service_layer.pmt import default_model
from regional_node.service_layer.synthetic import generate_households

ON = dt.date(2026, 12, 7)
ATTRIBUTES = {"floor_material": "EARTH", "wall_material": "WOVEN_BAMBOO",
              "roof_material": "ZINC", "tenure": "OWNED", "drinking_water": "UNPROTECTED_WELL",
              "lighting": "PLN_UNMETERED", "cooking_fuel": "WOOD", "toilet": "NONE"}
WEIGHTS = {"floor_material=EARTH": -0.2, "toilet=NONE": -0.1, "asset=TELEVISION": 0.05,
           "asset=MOTORCYCLE": 0.1, "log_household_size": -0.3,
           "log_floor_area_per_person": 0.1, "floor_area_unknown": -0.07,
           "share_children": -0.4, "share_elderly": -0.1, "share_disabled": -0.2,
           "head_female": -0.05, "head_works": 0.06, "head_education=SD": -0.12}
MODEL = PmtModel("uji-1", "test", Coefficients(14.0, WEIGHTS),
                 {"53": Coefficients(13.0, {}), "53.71": Coefficients(12.0, {})})


def member(born: dt.date, relationship: str = "CHILD", *, sex: str = "MALE",
           education: str | None = None, occupation: str | None = None,
           disability: str = "NONE", alive: bool = True) -> MemberFacts:
    return MemberFacts(born, sex, relationship, education, occupation, disability, alive)


def poor_household(desa: str = "32.73.01.1001") -> HouseholdFacts:
    """Five living members (two children, a grandmother of 76, a disabled child), one dead."""
    return HouseholdFacts(desa, ATTRIBUTES, 24.0, ["TELEVISION", "MOTORCYCLE"], [
        member(dt.date(1980, 5, 1), "HEAD", education="SD", occupation="Buruh harian lepas"),
        member(dt.date(1985, 1, 1), "SPOUSE", sex="FEMALE", occupation="Mengurus Rumah Tangga"),
        member(dt.date(2015, 6, 1)),
        member(dt.date(2020, 2, 2), disability="PHYSICAL"),
        member(dt.date(1950, 3, 3), "PARENT", sex="FEMALE"),
        member(dt.date(1940, 1, 1), "PARENT", alive=False),
    ])


def test_features_of_a_household_by_hand() -> None:
    assert features(poor_household(), ON) == {
        "floor_material=EARTH": 1.0, "wall_material=WOVEN_BAMBOO": 1.0,
        "roof_material=ZINC": 1.0, "tenure=OWNED": 1.0, "drinking_water=UNPROTECTED_WELL": 1.0,
        "lighting=PLN_UNMETERED": 1.0, "cooking_fuel=WOOD": 1.0, "toilet=NONE": 1.0,
        "asset=TELEVISION": 1.0, "asset=MOTORCYCLE": 1.0,
        "log_household_size": math.log(5), "log_floor_area_per_person": math.log(24 / 5),
        "share_children": 2 / 5, "share_elderly": 1 / 5, "share_disabled": 1 / 5,
        "head_works": 1.0, "head_education=SD": 1.0,
    }


def test_score_of_a_household_by_hand() -> None:
    expected = (14.0 - 0.2 - 0.1 + 0.05 + 0.1 - 0.3 * math.log(5) + 0.1 * math.log(4.8)
                - 0.4 * 0.4 - 0.1 * 0.2 - 0.2 * 0.2 + 0.06 - 0.12)
    assert MODEL.score(poor_household(), ON) == pytest.approx(expected, abs=1e-12)
    assert expected == pytest.approx(13.24403022, abs=1e-8)


def test_a_lone_widow_without_a_known_floor_area_nor_a_living_head() -> None:
    household = HouseholdFacts("32.73.01.1001", {}, None, [], [
        member(dt.date(1950, 1, 1), "HEAD", alive=False),
        member(dt.date(1952, 1, 1), "SPOUSE", sex="FEMALE", occupation="Petani"),
    ])
    # one living member: ln 1 = 0; no living head: no head features
    assert features(household, ON) == {"floor_area_unknown": 1.0, "share_elderly": 1.0}
    assert MODEL.score(household, ON) == pytest.approx(14.0 - 0.07 - 0.1)


def test_a_tiny_floor_area_counts_as_one_square_metre_per_person() -> None:
    household = HouseholdFacts("32.73.01.1001", {}, 2.0, [], [
        member(dt.date(1990, 1, 1), "HEAD", sex="FEMALE", occupation="Belum/Tidak Bekerja"),
        member(dt.date(1991, 1, 1), "SPOUSE"), member(dt.date(1992, 1, 1), "OTHER")])
    found = features(household, ON)
    assert "log_floor_area_per_person" not in found  # ln max(2/3, 1) = 0
    assert found["head_female"] == 1.0 and "head_works" not in found  # not working


@pytest.mark.parametrize(("born", "child", "elderly"), [
    (dt.date(2011, 12, 7), False, False),  # 15 today
    (dt.date(2011, 12, 8), True, False),  # 15 tomorrow
    (dt.date(1966, 12, 7), False, True),  # 60 today
    (dt.date(1966, 12, 8), False, False),
])
def test_ages_are_completed_years_on_the_day(born: dt.date, child: bool, elderly: bool) -> None:
    household = HouseholdFacts("32.73.01.1001", {}, 30.0, [], [member(born, "HEAD")])
    found = features(household, ON)
    assert ("share_children" in found, "share_elderly" in found) == (child, elderly)
    rows = _rows(household)
    scorer = RowScorer(MODEL, ON)
    assert scorer.score(*rows) == pytest.approx(MODEL.score(household, ON), abs=1e-12)


def test_the_twenty_ninth_of_february() -> None:
    leap = dt.date(2028, 2, 29)
    household = HouseholdFacts("32.73.01.1001", {}, 30.0, [], [member(dt.date(2013, 2, 28))])
    assert "share_children" not in features(household, leap)  # 15 on 28 February 2028
    assert RowScorer(MODEL, leap).child_born_after == dt.date(2013, 2, 28)


def test_coefficients_by_kabkota_then_province_then_default() -> None:
    assert MODEL.coefficients_for("53.71.01.1001").intercept == 12.0
    assert MODEL.coefficients_for("53.01.01.2001").intercept == 13.0
    assert MODEL.coefficients_for("32.73.01.1001").intercept == 14.0


def test_the_bulk_scorer_equals_the_definition_on_generated_households() -> None:
    model = default_model()
    for region in ("32.73", "53.71"):
        scorer = RowScorer(model, ON)
        for record in generate_households(region, 300, seed=3):
            values, members, _, _ = household_rows(record, with_digest=False)
            expected = model.score(facts_from_rows(values, members), ON)
            assert scorer.score(values, members) == pytest.approx(expected, abs=1e-9)


def _rows(household: HouseholdFacts) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    a = household.attributes
    values = ("", household.desa_code, "", None, None, a.get("floor_material"),
              a.get("wall_material"), a.get("roof_material"), household.floor_area_m2,
              a.get("tenure"), a.get("drinking_water"), a.get("lighting"),
              a.get("cooking_fuel"), a.get("toilet"), list(household.assets), None, "ACTIVE")
    members = [("", "", m.birth_date, m.sex, m.relationship, m.education, m.occupation,
                m.disability, "UNCHECKED", m.alive) for m in household.members]
    return values, members


def test_the_shipped_model_is_valid_and_says_it_is_illustrative() -> None:
    model = default_model()
    assert model.version == "ilustrasi-2026.1"
    assert "ilustrasi" in model.description and "Illustrative" in model.description
    assert set(model.default.weights) <= set(FEATURES)
    assert parse_model(model_text(model)) == model


def _document(**changes: Any) -> str:
    document: dict[str, Any] = {
        "format": "siks-pmt/1", "version": "v1", "description": "d",
        "default": {"intercept": 13.5, "coefficients": {"toilet=NONE": -0.1}},
        "regions": {"32.73": {"intercept": 13.0, "coefficients": {}}}}
    document.update(changes)
    return json.dumps(document)


@pytest.mark.parametrize(("text", "message"), [
    ("{", "model PMT file: bukan JSON yang sah"),
    ("[]", "model PMT file: harus berupa objek JSON / must be a JSON object"),
    (_document(format="siks-pmt/2"), 'model PMT file: format: harus "siks-pmt/1"'),
    (_document(version=""), "model PMT file: version: teks 1–64 karakter"),
    (_document(version="x" * 65), "model PMT file: version: teks 1–64 karakter"),
    (_document(extra=1), "model PMT file: extra: kunci tidak dikenal / unknown key"),
    (_document(default=None), "model PMT default: harus berupa objek / must be an object"),
    (_document(default={"coefficients": {}}),
     "model PMT default: intercept: harus angka / must be a finite number"),
    (_document(default={"intercept": True}), "model PMT default: intercept: harus angka"),
    (_document(default={"intercept": 13, "coefficients": {"toilet=MUD": 1}}),
     'model PMT default: coefficients["toilet=MUD"]: fitur tidak dikenal (lihat docs/pmt.md) '
     "/ unknown feature (see docs/pmt.md)"),
    (_document(default={"intercept": 13, "coefficients": {"toilet=NONE": "0.1"}}),
     'model PMT default: coefficients["toilet=NONE"]: harus angka'),
    (_document(default={"intercept": 13, "coefficent": {}}),
     "model PMT default: coefficent: kunci tidak dikenal"),
    (_document(regions={"99.99": {"intercept": 13}}),
     'model PMT regions["99.99"]: bukan kode provinsi atau kab/kota Kemendagri / not a '
     "Kemendagri province or kab/kota code"),
    (_document(regions={"32.73.01": {"intercept": 13}}),
     'model PMT regions["32.73.01"]: bukan kode provinsi atau kab/kota'),
    (_document(regions={"32.73": {"intercept": 13, "coefficients": {"asset=CAR": 1e999}}}),
     'model PMT regions["32.73"]: coefficients["asset=CAR"]: harus angka'),
])
def test_a_bad_model_file_is_refused_naming_the_entry_and_field(text: str,
                                                                message: str) -> None:
    with pytest.raises(InvalidModel) as refused:
        parse_model(text)
    assert refused.value.message.startswith(message), refused.value.message
    assert "\n" not in refused.value.message
    assert refused.value.code == "INVALID_INPUT"


def test_the_default_model_file_is_shipped_with_the_package() -> None:
    shipped = Path(__file__).parents[2] / "regional_node" / "data" / "pmt_default.json"
    assert parse_model(shipped.read_text(encoding="utf-8")) == default_model()
