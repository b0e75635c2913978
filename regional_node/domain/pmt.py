"""The proxy means test (PMT): a household's predicted log per-capita consumption from its DTKS
attributes, ``intercept + Σ coefficient × feature``. Pure: no database.

The features (``docs/pmt.md`` lists them with their meaning):

* ``<attribute>=<VALUE>``: 1 when the household's floor, wall or roof material, tenure,
  drinking water, lighting, cooking fuel or toilet is that value (an unknown value: all 0);
* ``asset=<ASSET>``: 1 when the household holds the asset;
* ``log_household_size``: ln n, n the living members (at least 1);
* ``log_floor_area_per_person``: ln(floor area / n), the area floored at 1 m² per person; 0
  when the area is unknown, and then ``floor_area_unknown`` is 1;
* ``share_children``, ``share_elderly``, ``share_disabled``: the shares of living members
  younger than 15, aged 60 or more (completed years on the day of the score) and with a
  disability;
* ``head_female``, ``head_works`` (an occupation that is not one of ``NOT_WORKING``) and
  ``head_education=<LEVEL>``: of the living head (none: all 0).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from schema import enums
from schema.identity_numbers import Sex

CATEGORICAL: Mapping[str, tuple[str, ...]] = {
    "floor_material": tuple(enums.FloorMaterial),
    "wall_material": tuple(enums.WallMaterial),
    "roof_material": tuple(enums.RoofMaterial),
    "tenure": tuple(enums.Tenure),
    "drinking_water": tuple(enums.DrinkingWater),
    "lighting": tuple(enums.Lighting),
    "cooking_fuel": tuple(enums.CookingFuel),
    "toilet": tuple(enums.Toilet),
}
NUMERIC = ("log_household_size", "log_floor_area_per_person", "floor_area_unknown",
           "share_children", "share_elderly", "share_disabled", "head_female", "head_works")
FEATURES: tuple[str, ...] = (
    *(f"{name}={value}" for name, values in CATEGORICAL.items() for value in values),
    *(f"asset={asset}" for asset in enums.Asset),
    *NUMERIC,
    *(f"head_education={level}" for level in enums.Education),
)
KNOWN_FEATURES = frozenset(FEATURES)

# occupations (free text, compared without case) that are not work
NOT_WORKING = frozenset(text.casefold() for text in (
    "Belum/Tidak Bekerja", "Tidak Bekerja", "Belum Bekerja", "Pelajar/Mahasiswa", "Pelajar",
    "Mahasiswa", "Mengurus Rumah Tangga", "Pensiunan", "-"))
CHILD_AGE, ELDERLY_AGE = 15, 60


@dataclass(frozen=True, slots=True)
class MemberFacts:
    birth_date: dt.date
    sex: str
    relationship: str
    education: str | None
    occupation: str | None
    disability: str
    alive: bool


@dataclass(frozen=True, slots=True)
class HouseholdFacts:
    """What the score reads of a household: attribute values as their plain strings."""

    desa_code: str
    attributes: Mapping[str, str | None]  # the keys of CATEGORICAL
    floor_area_m2: float | None
    assets: Sequence[str]
    members: Sequence[MemberFacts]


def features(facts: HouseholdFacts, on: dt.date) -> dict[str, float]:
    """The household's features that are not 0 (a feature left out is 0)."""
    found: dict[str, float] = {}
    for name in CATEGORICAL:
        value = facts.attributes.get(name)
        if value is not None:
            found[f"{name}={value}"] = 1.0
    for asset in facts.assets:
        found[f"asset={asset}"] = 1.0
    living = [m for m in facts.members if m.alive]
    size = max(len(living), 1)
    _put(found, "log_household_size", math.log(size))
    if facts.floor_area_m2 is None:
        found["floor_area_unknown"] = 1.0
    else:
        _put(found, "log_floor_area_per_person", math.log(max(facts.floor_area_m2 / size, 1.0)))
    ages = [_age(m.birth_date, on) for m in living]
    _put(found, "share_children", sum(age < CHILD_AGE for age in ages) / size)
    _put(found, "share_elderly", sum(age >= ELDERLY_AGE for age in ages) / size)
    _put(found, "share_disabled",
         sum(m.disability != enums.Disability.NONE for m in living) / size)
    head = next((m for m in living if m.relationship == enums.Relationship.HEAD), None)
    if head is not None:
        _put(found, "head_female", float(head.sex == Sex.FEMALE))
        _put(found, "head_works", float(_works(head.occupation)))
        if head.education is not None:
            found[f"head_education={head.education}"] = 1.0
    return found


def _put(found: dict[str, float], name: str, value: float) -> None:
    if value:
        found[name] = value


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _works(occupation: str | None) -> bool:
    return bool(occupation and occupation.strip()) and \
        occupation.strip().casefold() not in NOT_WORKING  # type: ignore[union-attr]


@dataclass(frozen=True, slots=True)
class Coefficients:
    intercept: float
    weights: Mapping[str, float]  # feature name -> coefficient; a feature left out: 0

    def predict(self, found: Mapping[str, float]) -> float:
        weights = self.weights
        return self.intercept + sum(weights.get(name, 0.0) * value
                                    for name, value in found.items())


@dataclass(frozen=True, slots=True)
class PmtModel:
    version: str
    description: str
    default: Coefficients
    regions: Mapping[str, Coefficients]  # a province (32) or kab/kota (32.73) code

    def coefficients_for(self, desa_code: str) -> Coefficients:
        """The kab/kota's own coefficients, else its province's, else the default."""
        regions = self.regions
        return regions.get(desa_code[:5]) or regions.get(desa_code[:2]) or self.default

    def score(self, facts: HouseholdFacts, on: dt.date) -> float:
        return self.coefficients_for(facts.desa_code).predict(features(facts, on))


# the positions of the plain rows the bulk path stores (regional_node.domain.household_rows)
def facts_from_rows(values: Sequence[Any], members: Iterable[Sequence[Any]]) -> HouseholdFacts:
    """Facts of a household given as ``HOUSEHOLD_COLUMNS`` values and ``MEMBER_COLUMNS``
    member values (plain strings)."""
    (_, desa_code, _, _, _, floor, wall, roof, area, tenure, water, lighting, fuel, toilet,
     assets, *_) = values
    return HouseholdFacts(
        desa_code,
        {"floor_material": floor, "wall_material": wall, "roof_material": roof,
         "tenure": tenure, "drinking_water": water, "lighting": lighting,
         "cooking_fuel": fuel, "toilet": toilet},
        area, assets,
        [MemberFacts(birth, sex, relationship, education, occupation, disability, alive)
         for _, _, birth, sex, relationship, education, occupation, disability, _, alive
         in members])


class RowScorer:
    """``model.score(facts_from_rows(values, members), on)`` without building facts or
    features: the bulk path scores an import's rows with it (a test holds the two equal)."""

    _ATTRIBUTE_POSITIONS = tuple(zip(CATEGORICAL, (5, 6, 7, 9, 10, 11, 12, 13), strict=True))

    def __init__(self, model: PmtModel, on: dt.date) -> None:
        self.model = model
        self.child_born_after = _years_before(on, CHILD_AGE)  # younger than 15 on ``on``
        self.elderly_born_by = _years_before(on, ELDERLY_AGE)  # 60 or more on ``on``
        self._compiled: dict[int, tuple[Any, ...]] = {}

    def score(self, values: Sequence[Any], members: Sequence[Sequence[Any]]) -> float:
        coefficients = self.model.coefficients_for(values[1])
        compiled = self._compiled.get(id(coefficients))
        if compiled is None:
            compiled = self._compiled[id(coefficients)] = _compile(coefficients)
        intercept, by_attribute, assets, numeric, education = compiled
        total = intercept
        for position, weights in by_attribute:
            total += weights.get(values[position], 0.0)
        for asset in values[14]:
            total += assets.get(asset, 0.0)
        size = children = elderly = disabled = 0
        head = None
        for member in members:
            if not member[9]:
                continue
            size += 1
            birth = member[2]
            children += birth > self.child_born_after
            elderly += birth <= self.elderly_born_by
            disabled += member[7] != "NONE"
            if head is None and member[4] == "HEAD":
                head = member
        size = max(size, 1)
        (w_size, w_area, w_unknown, w_children, w_elderly, w_disabled, w_female,
         w_works) = numeric
        total += w_size * math.log(size)
        area = values[8]
        if area is None:
            total += w_unknown
        else:
            total += w_area * math.log(max(area / size, 1.0))
        total += (w_children * children + w_elderly * elderly + w_disabled * disabled) / size
        if head is not None:
            total += w_female * (head[3] == "FEMALE") + w_works * _works(head[6])
            total += education.get(head[5], 0.0)
        return total


def _compile(coefficients: Coefficients) -> tuple[Any, ...]:
    weights = coefficients.weights
    by_attribute = tuple(
        (position, {value: weights[f"{name}={value}"] for value in CATEGORICAL[name]
                    if f"{name}={value}" in weights})
        for name, position in RowScorer._ATTRIBUTE_POSITIONS)
    return (coefficients.intercept,
            tuple(item for item in by_attribute if item[1]),
            {asset: w for asset in enums.Asset if (w := weights.get(f"asset={asset}"))},
            tuple(weights.get(name, 0.0) for name in NUMERIC),
            {level: w for level in enums.Education
             if (w := weights.get(f"head_education={level}"))})


def _years_before(on: dt.date, years: int) -> dt.date:
    """The latest birth date of someone ``years`` old or more on ``on``."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)
