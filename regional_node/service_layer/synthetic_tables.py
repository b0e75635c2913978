"""Distributions for synthetic households, by welfare decile (desil) and urban or rural desa.

Each categorical attribute has weights for the poorest households (desil 1), for the
better-off (desil 10) and multipliers for urban desa (kelurahan and kota); weights for a desil
in between are interpolated linearly. The shape follows DTKS / Susenas patterns (earth floors,
firewood, shared toilets and wells concentrated in the lower deciles); exact shares are not
meant to be official statistics.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from dataclasses import dataclass
from typing import Generic, TypeVar

from schema.enums import (
    Asset,
    CookingFuel,
    Disability,
    DrinkingWater,
    Education,
    FloorMaterial,
    Lighting,
    RoofMaterial,
    Tenure,
    Toilet,
    WallMaterial,
)

T = TypeVar("T")

# Share of households per desil 1..10: DTKS holds mostly the lower deciles.
DESIL_WEIGHTS_RURAL = (0.21, 0.17, 0.14, 0.12, 0.10, 0.08, 0.06, 0.05, 0.04, 0.03)
DESIL_WEIGHTS_URBAN = (0.16, 0.15, 0.13, 0.12, 0.11, 0.09, 0.08, 0.06, 0.05, 0.05)

# Probability that a household (or, for PBI-JK, its members) is enrolled, by desil 1..10.
PKH_RATE = (0.55, 0.45, 0.30, 0.15, 0.06, 0.02, 0.01, 0.0, 0.0, 0.0)
BPNT_RATE = (0.75, 0.65, 0.50, 0.35, 0.15, 0.05, 0.02, 0.01, 0.0, 0.0)
PBI_JK_RATE = (0.90, 0.85, 0.75, 0.60, 0.45, 0.25, 0.10, 0.05, 0.02, 0.01)
BLT_DESA_RATE = (0.12, 0.10, 0.06, 0.03, 0.01, 0.0, 0.0, 0.0, 0.0, 0.0)  # rural desa only
RUTILAHU_RATE = 0.08  # desil 1-3 with an earth floor or woven-bamboo walls
PIP_RATE = 0.5  # school-age children of PKH households

# Children ever born still living at home, weights for 0..5 children.
CHILDREN_POOR = (0.05, 0.12, 0.28, 0.27, 0.16, 0.12)
CHILDREN_RICH = (0.10, 0.25, 0.40, 0.18, 0.05, 0.02)

# Floor area per person (m²), desil 1 and desil 10.
AREA_PER_PERSON = (7.5, 28.0)

DISABILITY_RATE, DISABILITY_RATE_ELDERLY = 0.02, 0.09
DISABILITY_KINDS = (Disability.PHYSICAL, Disability.SENSORY, Disability.INTELLECTUAL,
                    Disability.MENTAL, Disability.MULTIPLE)
DISABILITY_WEIGHTS = (0.40, 0.25, 0.12, 0.13, 0.10)

STUDENT = "Pelajar/Mahasiswa"
NOT_WORKING = "Belum/Tidak Bekerja"


@dataclass(frozen=True, slots=True)
class Distribution(Generic[T]):
    values: tuple[T, ...]
    poor: tuple[float, ...]
    rich: tuple[float, ...]
    urban: tuple[float, ...] | None = None

    def picker(self, desil: int, urban: bool) -> Picker[T]:
        t = (desil - 1) / 9
        weights = [p + (r - p) * t for p, r in zip(self.poor, self.rich, strict=True)]
        if urban and self.urban is not None:
            weights = [w * m for w, m in zip(weights, self.urban, strict=True)]
        return Picker(self.values, cumulative(weights))


@dataclass(frozen=True, slots=True)
class Picker(Generic[T]):
    """Draw a value from a uniform number in [0, 1)."""

    values: tuple[T, ...]
    cumulative: tuple[float, ...]

    def pick(self, u: float) -> T:
        return self.values[bisect_right(self.cumulative, u)]


def cumulative(weights: list[float] | tuple[float, ...]) -> tuple[float, ...]:
    total, running, out = sum(weights), 0.0, []
    for weight in weights:
        running += weight / total
        out.append(running)
    out[-1] = 1.0 + 1e-9  # u < 1 always lands inside
    return tuple(out)


FLOOR = Distribution(
    tuple(FloorMaterial),
    poor=(0, 15, 5, 2, 38, 4, 8, 28), rich=(8, 70, 8, 4, 9, 0.3, 0.5, 0.2),
    urban=(2, 1.5, 1.2, 0.6, 0.9, 0.4, 0.5, 0.35))
WALL = Distribution(
    tuple(WallMaterial),
    poor=(40, 8, 20, 18, 11, 3), rich=(92, 1, 6, 0.3, 0.5, 0.2),
    urban=(1.4, 0.8, 0.6, 0.4, 0.6, 1))
ROOF = Distribution(
    tuple(RoofMaterial),
    poor=(1, 38, 30, 14, 3, 3, 9, 2), rich=(15, 50, 15, 18, 1, 0.1, 0.3, 0.6),
    urban=(2, 1, 0.9, 1.5, 0.5, 0.3, 0.2, 1))
TENURE = Distribution(
    tuple(Tenure),
    poor=(70, 9, 17, 0.5, 3.5), rich=(82, 12, 4, 1.5, 0.5), urban=(0.75, 2.5, 1.1, 1, 1))
WATER = Distribution(
    tuple(DrinkingWater),
    poor=(12, 12, 38, 18, 12, 8), rich=(55, 25, 17, 1, 1.5, 0.5),
    urban=(1.8, 1.8, 0.8, 0.4, 0.3, 0.2))
LIGHTING = Distribution(
    tuple(Lighting), poor=(72, 18, 8, 2), rich=(98, 1.5, 0.5, 0), urban=(1.1, 0.6, 0.2, 0.2))
FUEL = Distribution(
    tuple(CookingFuel),
    poor=(0.5, 62, 3, 32, 1.5, 1), rich=(5, 93, 0.5, 1.4, 0.1, 0),
    urban=(2, 1.3, 1.5, 0.15, 1, 1.5))
TOILET = Distribution(
    tuple(Toilet), poor=(62, 18, 6, 14), rich=(98, 1.5, 0.3, 0.2), urban=(1.1, 1.2, 1.3, 0.3))
EDUCATION = Distribution(
    tuple(Education),
    poor=(14, 46, 22, 15, 1, 2, 0), rich=(1, 7, 11, 41, 10, 26, 4),
    urban=(0.6, 0.7, 1, 1.2, 1.4, 1.6, 1.8))
OCCUPATION_MALE = Distribution(
    ("Petani/Pekebun", "Buruh Tani/Perkebunan", "Buruh Harian Lepas", "Nelayan/Perikanan",
     "Pedagang", "Wiraswasta", "Karyawan Swasta", "Sopir", "Tukang Bangunan",
     "Pegawai Negeri Sipil", "Karyawan Honorer", "Peternak", NOT_WORKING),
    poor=(18, 15, 25, 3, 7, 6, 4, 3, 7, 0.2, 1, 1.8, 9),
    rich=(6, 1, 3, 1, 12, 22, 30, 3, 2, 12, 4, 1, 3),
    urban=(0.1, 0.05, 1.2, 0.3, 1.4, 1.3, 1.8, 1.3, 1.2, 1.3, 1.2, 0.1, 1))
OCCUPATION_FEMALE = Distribution(
    ("Mengurus Rumah Tangga", "Petani/Pekebun", "Buruh Tani/Perkebunan", "Buruh Harian Lepas",
     "Pedagang", "Wiraswasta", "Karyawan Swasta", "Pegawai Negeri Sipil", "Karyawan Honorer",
     NOT_WORKING),
    poor=(52, 8, 10, 8, 8, 3, 3, 0.1, 0.5, 7), rich=(30, 3, 0.5, 1, 12, 12, 24, 10, 5, 3),
    urban=(1, 0.1, 0.05, 1.2, 1.3, 1.3, 1.8, 1.2, 1.2, 1))
OCCUPATION_ELDERLY = Distribution(
    (NOT_WORKING, "Pensiunan", "Petani/Pekebun", "Pedagang", "Mengurus Rumah Tangga"),
    poor=(50, 1, 22, 7, 20), rich=(40, 35, 6, 9, 10), urban=(1, 1.5, 0.1, 1.3, 1))

# (probability at desil 1, at desil 10, urban multiplier), in Asset order.
ASSET_RATES: dict[Asset, tuple[float, float, float]] = {
    Asset.LPG_5KG: (0.05, 0.50, 1.3),
    Asset.REFRIGERATOR: (0.20, 0.92, 1.3),
    Asset.AIR_CONDITIONER: (0.005, 0.45, 2.0),
    Asset.WATER_HEATER: (0.003, 0.30, 1.5),
    Asset.TELEVISION: (0.60, 0.97, 1.1),
    Asset.COMPUTER: (0.02, 0.55, 1.5),
    Asset.MOTORCYCLE: (0.45, 0.90, 1.0),
    Asset.CAR: (0.005, 0.50, 1.2),
    Asset.GOLD_10G: (0.02, 0.40, 1.0),
    Asset.LAND: (0.20, 0.55, 0.3),
    Asset.LIVESTOCK: (0.20, 0.25, 0.1),
}


@dataclass(frozen=True, slots=True)
class DesilTables:
    """Every picker for one (desil, urban) pair, built once."""

    floor: Picker[FloorMaterial]
    wall: Picker[WallMaterial]
    roof: Picker[RoofMaterial]
    tenure: Picker[Tenure]
    water: Picker[DrinkingWater]
    lighting: Picker[Lighting]
    fuel: Picker[CookingFuel]
    toilet: Picker[Toilet]
    education: Picker[Education]
    education_elderly: Picker[Education]
    occupation_male: Picker[str]
    occupation_female: Picker[str]
    occupation_elderly: Picker[str]
    children: Picker[int]
    assets: tuple[tuple[Asset, float], ...]
    area_per_person: float


@functools.cache
def desil_tables(desil: int, urban: bool) -> DesilTables:
    t = (desil - 1) / 9
    children = [p + (r - p) * t for p, r in zip(CHILDREN_POOR, CHILDREN_RICH, strict=True)]
    assets = tuple(
        (asset, min(0.98, (poor + (rich - poor) * t) * (urban_factor if urban else 1.0)))
        for asset, (poor, rich, urban_factor) in ASSET_RATES.items())
    return DesilTables(
        floor=FLOOR.picker(desil, urban), wall=WALL.picker(desil, urban),
        roof=ROOF.picker(desil, urban), tenure=TENURE.picker(desil, urban),
        water=WATER.picker(desil, urban), lighting=LIGHTING.picker(desil, urban),
        fuel=FUEL.picker(desil, urban), toilet=TOILET.picker(desil, urban),
        education=EDUCATION.picker(desil, urban),
        # people over 55 went to school when schooling was scarcer: four deciles poorer
        education_elderly=EDUCATION.picker(max(1, desil - 4), urban),
        occupation_male=OCCUPATION_MALE.picker(desil, urban),
        occupation_female=OCCUPATION_FEMALE.picker(desil, urban),
        occupation_elderly=OCCUPATION_ELDERLY.picker(desil, urban),
        children=Picker(tuple(range(len(children))), cumulative(children)),
        assets=assets,
        area_per_person=AREA_PER_PERSON[0] + (AREA_PER_PERSON[1] - AREA_PER_PERSON[0]) * t,
    )


def desil_picker(urban: bool) -> Picker[int]:
    weights = DESIL_WEIGHTS_URBAN if urban else DESIL_WEIGHTS_RURAL
    return Picker(tuple(range(1, 11)), cumulative(weights))


DISABILITY_PICKER = Picker(DISABILITY_KINDS, cumulative(DISABILITY_WEIGHTS))
