"""What the DIPA counts and how a period is priced (docs/dipa.md), shared by node and gateway.

A DTKS period is a semester, ``2026-S1`` (January–June) or ``2026-S2`` (July–December): six
months of a monthly amount, half of a yearly one. Members are put in PKH components by their
age on the period's first day (:attr:`Period.starts_on`); the node turns the age bands below
into birth-date bounds, so the rule is the same SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from schema.errors import InvalidInput

_PERIOD = re.compile(r"^(\d{4})-S([12])$")
MONTHS_PER_SEMESTER = 6


class BenefitComponent(StrEnum):
    """A PKH component (komponen): who in a KPM household the index is paid for."""

    IBU_HAMIL = "IBU_HAMIL"  # ibu hamil/nifas: DTKS records no pregnancy, never counted
    ANAK_USIA_DINI = "ANAK_USIA_DINI"  # 0–6 years
    SD = "SD"  # 7–21 years, at SD/MI level
    SMP = "SMP"  # 7–21 years, at SMP/MTs level
    SMA = "SMA"  # 7–21 years, at SMA/SMK/MA level
    DISABILITAS_BERAT = "DISABILITAS_BERAT"  # any recorded disability (no severity in DTKS)
    LANJUT_USIA = "LANJUT_USIA"  # 70 years and over


class BenefitUnit(StrEnum):
    """What one catalogue amount pays for."""

    PER_KPM_MONTH = "PER_KPM_MONTH"  # per keluarga penerima manfaat per bulan
    PER_PERSON_MONTH = "PER_PERSON_MONTH"  # per jiwa per bulan
    PER_PERSON_YEAR = "PER_PERSON_YEAR"  # per jiwa (per component) per tahun
    PER_KPM_YEAR = "PER_KPM_YEAR"  # per keluarga per tahun


UNIT_TEXT: dict[BenefitUnit, str] = {
    BenefitUnit.PER_KPM_MONTH: "per KPM per bulan / per KPM per month",
    BenefitUnit.PER_PERSON_MONTH: "per jiwa per bulan / per person per month",
    BenefitUnit.PER_PERSON_YEAR: "per jiwa per tahun / per person per year",
    BenefitUnit.PER_KPM_YEAR: "per KPM per tahun / per KPM per year",
}

COMPONENT_TEXT: dict[BenefitComponent, str] = {
    BenefitComponent.IBU_HAMIL: "Ibu hamil/nifas",
    BenefitComponent.ANAK_USIA_DINI: "Anak usia dini (0–6 th)",
    BenefitComponent.SD: "Anak SD/sederajat",
    BenefitComponent.SMP: "Anak SMP/sederajat",
    BenefitComponent.SMA: "Anak SMA/sederajat",
    BenefitComponent.DISABILITAS_BERAT: "Penyandang disabilitas berat",
    BenefitComponent.LANJUT_USIA: "Lanjut usia (70 th ke atas)",
}

#: age bands, in whole years on the period's first day
EARLY_CHILDHOOD_BELOW = 7  # 0..6
SCHOOL_AGE_FROM, SCHOOL_AGE_BELOW = 7, 22  # 7..21 (wajib belajar 12 tahun not yet finished)
ELDERLY_FROM = 70


@dataclass(frozen=True, slots=True)
class Period:
    year: int
    semester: int

    @property
    def code(self) -> str:
        return f"{self.year}-S{self.semester}"

    @property
    def starts_on(self) -> dt.date:
        return dt.date(self.year, 1 if self.semester == 1 else 7, 1)

    @property
    def months(self) -> int:
        return MONTHS_PER_SEMESTER


def parse_period(text: str, field: str = "period") -> Period:
    match = _PERIOD.match(text.strip())
    if match is None:
        raise InvalidInput(f"periode {text!r} tidak dikenal: tulis TTTT-S1 atau TTTT-S2 / "
                           f"period {text!r} is not YYYY-S1 or YYYY-S2", reason="period",
                           field=field)
    return Period(int(match.group(1)), int(match.group(2)))


def born_before_age(reference: dt.date, years: int) -> dt.date:
    """The latest birth date of someone at least ``years`` old on ``reference`` (29 February
    births count from 1 March in common years)."""
    try:
        return reference.replace(year=reference.year - years)
    except ValueError:
        return reference.replace(year=reference.year - years, day=28)


def amount_for(unit: BenefitUnit, rate: int, *, kpm: int, persons: int, months: int) -> int:
    """Integer rupiah for ``months`` of ``rate``; a yearly rate pays ``months``/12 of it,
    rounded half up to the rupiah (never in the seed: its yearly amounts are even)."""
    count = kpm if unit in (BenefitUnit.PER_KPM_MONTH, BenefitUnit.PER_KPM_YEAR) else persons
    if unit in (BenefitUnit.PER_KPM_MONTH, BenefitUnit.PER_PERSON_MONTH):
        return count * rate * months
    return (count * rate * months * 2 + 12) // 24
