"""The catalogue of benefit amounts (docs/dipa.md): read from a JSON file, checked, and the
rate that applies to a program (and PKH component) in a period.

A file is ``{"entries": [{program, component, period, unit, amount, legal_basis, source}]}``;
``period`` is a year (``2026``: both semesters) or a semester (``2026-S2``: that one, before
the year's). The first problem stops the file, named by entry and field in one line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from gateway.errors import CatalogueError
from schema.benefits import BenefitComponent, BenefitUnit, Period
from schema.enums import Program

SEED = "benefit_catalogue.json"
_PERIOD = re.compile(r"^\d{4}(-S[12])?$")
MAX_AMOUNT = 10**12  # rupiah per unit: far above any benefit, below overflow


@dataclass(frozen=True, slots=True)
class BenefitRate:
    program: str
    component: str | None
    period: str  # YYYY or YYYY-S1/S2
    unit: BenefitUnit
    amount: int  # rupiah per unit
    legal_basis: str
    source: str | None = None

    @property
    def key(self) -> tuple[str, str | None, str]:
        return (self.program, self.component, self.period)


def seed_text() -> str:
    return resources.files("gateway").joinpath("data", SEED).read_text("utf-8")


def seed_rates() -> list[BenefitRate]:
    return parse_catalogue(seed_text(), SEED)


def read_catalogue(path: Path) -> list[BenefitRate]:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise CatalogueError(f"{path}: tidak dapat dibaca / cannot be read "
                             f"({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise CatalogueError(f"{path}: bukan teks UTF-8 / not UTF-8 text") from None
    return parse_catalogue(text, str(path))


def parse_catalogue(text: str, name: str) -> list[BenefitRate]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogueError(f"{name}: bukan JSON (baris {exc.lineno}) / not JSON (line "
                             f"{exc.lineno}): {exc.msg}") from None
    entries = document.get("entries") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{name}: harus berisi daftar \"entries\" yang tidak kosong / "
                             f"must hold a non-empty \"entries\" list")
    rates: list[BenefitRate] = []
    seen: set[tuple[str, str | None, str]] = set()
    for number, entry in enumerate(entries, start=1):
        rate = _entry(name, number, entry)
        if rate.key in seen:
            raise CatalogueError(f"{name}: entri {number}: {_label(rate)} sudah ada di entri "
                                 f"sebelumnya / entry {number}: {_label(rate)} is already "
                                 f"given by an earlier entry")
        seen.add(rate.key)
        rates.append(rate)
    return rates


def _label(rate: BenefitRate) -> str:
    return f"{rate.program}{'/' + rate.component if rate.component else ''} {rate.period}"


def _entry(name: str, number: int, entry: Any) -> BenefitRate:
    def fail(field: str, problem_id: str, problem_en: str) -> CatalogueError:
        return CatalogueError(f"{name}: entri {number}, {field}: {problem_id} / entry "
                              f"{number}, {field}: {problem_en}")

    if not isinstance(entry, Mapping):
        raise fail("-", "harus berupa objek", "must be an object")
    program = _choice(entry.get("program"), Program, lambda: fail(
        "program", f"{entry.get('program')!r} tidak dikenal",
        f"unknown {entry.get('program')!r} (one of {', '.join(Program)})"))
    component = entry.get("component")
    if component is not None:
        component = _choice(component, BenefitComponent, lambda: fail(
            "component", f"{component!r} tidak dikenal",
            f"unknown {component!r} (one of {', '.join(BenefitComponent)}, or null)"))
    period = entry.get("period")
    if not isinstance(period, str) or not _PERIOD.match(period):
        raise fail("period", f"{period!r} bukan TTTT atau TTTT-S1/S2",
                   f"{period!r} is not YYYY or YYYY-S1/S2")
    unit = _choice(entry.get("unit"), BenefitUnit, lambda: fail(
        "unit", f"{entry.get('unit')!r} tidak dikenal",
        f"unknown {entry.get('unit')!r} (one of {', '.join(BenefitUnit)})"))
    amount = entry.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount < MAX_AMOUNT:
        raise fail("amount", f"{amount!r} bukan rupiah bulat positif",
                   f"{amount!r} is not a positive whole number of rupiah")
    basis = entry.get("legal_basis")
    if not isinstance(basis, str) or not basis.strip():
        raise fail("legal_basis", "dasar hukum wajib diisi", "the legal basis is required")
    source = entry.get("source")
    if source is not None and not isinstance(source, str):
        raise fail("source", "harus berupa teks", "must be text")
    return BenefitRate(program, component, period, BenefitUnit(unit), amount, basis.strip(),
                       source or None)


def _choice(value: Any, kind: Any, failure: Any) -> str:
    if not isinstance(value, str) or value not in {member.value for member in kind}:
        raise failure()
    return value


def rates_for(rates: Iterable[BenefitRate], period: Period
              ) -> dict[tuple[str, str | None], BenefitRate]:
    """Per (program, component): the rate of ``period`` itself, else of its year."""
    chosen: dict[tuple[str, str | None], BenefitRate] = {}
    for rate in sorted(rates, key=lambda r: len(r.period)):  # the year first, then semester
        if rate.period in (str(period.year), period.code):
            chosen[(rate.program, rate.component)] = rate
    return chosen


def to_json(rates: Iterable[BenefitRate]) -> str:
    entries = [{"program": r.program, "component": r.component, "period": r.period,
                "unit": r.unit.value, "amount": r.amount, "legal_basis": r.legal_basis,
                **({"source": r.source} if r.source else {})} for r in rates]
    return json.dumps({"entries": entries}, ensure_ascii=False, indent=2) + "\n"
