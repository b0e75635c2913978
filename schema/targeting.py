"""Targeting error indicators (issue 14; docs/targeting.md), shared by node and gateway.

Counted per region from a period's paying memberships (active, determined, unsuspended:
as the DIPA counts them) and the households' stored ``desil``:

* **inclusion error** of a program: its recipient households whose desil is above the
  program's eligibility (``eligible_up_to``, data: ``schema/data/program_eligibility.json``);
  the rate is over its recipients with a known desil;
* **exclusion error**: households in desil 1–2 in no program, over all households in desil 1–2;
* **coverage** of a program: its recipients in eligible deciles over the households in
  eligible deciles;
* households (and recipients) without a desil are counted apart, never silently dropped.

Every count is a sum over households, so a region's counts are the sums of its desas' (the
gateway combines the nodes' rows by adding them) and the rates are computed last.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from schema.enums import Program
from schema.policy import SMALL_CELL_HOUSEHOLDS

POOREST_DESIL = 2  # exclusion error: households in desil 1..2 in no program
DESILS = tuple(range(1, 11))
#: the length of a region code at each level, and the levels in order (largest first)
CODE_LENGTHS: Mapping[str, int] = {"NATIONAL": 0, "PROVINCE": 2, "KABKOTA": 5,
                                   "KECAMATAN": 8, "DESA": 13}


@dataclass(frozen=True, slots=True)
class Eligibility:
    program: str
    eligible_up_to: int  # the highest desil eligible
    source: str


@functools.cache
def eligibility() -> dict[str, Eligibility]:
    """The eligibility of every program, read from the shipped data file (a test holds it to
    every :class:`~schema.enums.Program`)."""
    text = resources.files("schema").joinpath("data", "program_eligibility.json").read_text(
        "utf-8")
    found = {}
    for entry in json.loads(text)["programs"]:
        program = Program(entry["program"]).value
        up_to = int(entry["eligible_up_to"])
        if up_to not in DESILS:
            raise ValueError(f"eligible_up_to of {program} must be 1..10")
        found[program] = Eligibility(program, up_to, str(entry["source"]))
    return found


def rate(numerator: int | None, denominator: int | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return round(numerator / denominator, 4)


@dataclass(slots=True)
class ProgramTargeting:
    program: str
    eligible_up_to: int
    recipients: int = 0  # households with a paying membership
    inclusion_errors: int = 0  # of them, desil above eligible_up_to
    eligible_recipients: int = 0  # of them, desil 1..eligible_up_to
    recipients_no_desil: int = 0
    eligible_households: int = 0  # households in desil 1..eligible_up_to

    ADDITIVE = ("recipients", "inclusion_errors", "eligible_recipients",
                "recipients_no_desil", "eligible_households")

    @property
    def inclusion_rate(self) -> float | None:
        return rate(self.inclusion_errors, self.recipients - self.recipients_no_desil)

    @property
    def coverage(self) -> float | None:
        return rate(self.eligible_recipients, self.eligible_households)

    def add(self, other: ProgramTargeting) -> None:
        for name in self.ADDITIVE:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(slots=True)
class RegionTargeting:
    """A region's counts (``region`` None: national)."""

    region: str | None
    households: int = 0
    no_desil: int = 0
    by_desil: dict[int, int] = field(default_factory=dict)
    poorest: int = 0  # households in desil 1..POOREST_DESIL
    unserved: int = 0  # of them, in no program
    programs: dict[str, ProgramTargeting] = field(default_factory=dict)

    @property
    def exclusion_rate(self) -> float | None:
        return rate(self.unserved, self.poorest)

    def program(self, name: str) -> ProgramTargeting:
        if name not in self.programs:
            self.programs[name] = ProgramTargeting(name, eligibility()[name].eligible_up_to)
        return self.programs[name]

    def add(self, other: RegionTargeting) -> None:
        self.households += other.households
        self.no_desil += other.no_desil
        for desil, count in other.by_desil.items():
            self.by_desil[desil] = self.by_desil.get(desil, 0) + count
        self.poorest += other.poorest
        self.unserved += other.unserved
        for name, counts in other.programs.items():
            self.program(name).add(counts)

    def ensure_programs(self) -> RegionTargeting:
        """Every program present (a program nobody receives still has eligible households)."""
        for name in eligibility():
            self.program(name)
        for counts in self.programs.values():
            counts.eligible_households = sum(self.by_desil.get(d, 0) for d in DESILS
                                             if d <= counts.eligible_up_to)
        return self

    def indicator(self, name: str) -> float | None:
        """One indicator by its name (:func:`indicator_names`)."""
        if name == "exclusion_error":
            return self.exclusion_rate
        kind, _, program = name.partition(".")
        if program in self.programs:
            if kind == "inclusion_error":
                return self.programs[program].inclusion_rate
            if kind == "coverage":
                return self.programs[program].coverage
        raise KeyError(name)


def indicator_names() -> list[str]:
    """``exclusion_error``, then ``inclusion_error.<PROGRAM>`` and ``coverage.<PROGRAM>``."""
    return ["exclusion_error"] + [f"{kind}.{program}" for kind in ("inclusion_error", "coverage")
                                  for program in eligibility()]


def desa_rows(households: Iterable[tuple[str, int | None, int]],
              recipients: Iterable[tuple[str, str, int | None, int]],
              unserved: Iterable[tuple[str, int | None, int]]) -> list[RegionTargeting]:
    """Per desa from the node's cells: (desa, desil, households); (desa, program, desil,
    recipient households); (desa, desil, households in no program)."""
    rows: dict[str, RegionTargeting] = {}

    def at(desa: str) -> RegionTargeting:
        return rows.setdefault(desa, RegionTargeting(desa))

    for desa, desil, count in households:
        row = at(desa)
        row.households += count
        if desil is None:
            row.no_desil += count
        else:
            row.by_desil[desil] = row.by_desil.get(desil, 0) + count
            if desil <= POOREST_DESIL:
                row.poorest += count
    for desa, program, desil, count in recipients:
        if program not in eligibility():
            continue
        counts = at(desa).program(program)
        counts.recipients += count
        if desil is None:
            counts.recipients_no_desil += count
        elif desil > counts.eligible_up_to:
            counts.inclusion_errors += count
        else:
            counts.eligible_recipients += count
    for desa, desil, count in unserved:
        if desil is not None and desil <= POOREST_DESIL:
            at(desa).unserved += count
    return [row.ensure_programs() for _, row in sorted(rows.items())]


def combine(rows: Iterable[RegionTargeting], level: str) -> list[RegionTargeting]:
    """Sum rows of a finer level into the regions of ``level`` (by code prefix)."""
    length = CODE_LENGTHS[level]
    totals: dict[str | None, RegionTargeting] = {}
    for row in rows:
        key = row.region[:length] if length and row.region else None
        totals.setdefault(key, RegionTargeting(key)).add(row)
    return [totals[key].ensure_programs() for key in sorted(totals, key=lambda k: k or "")]


# -- what a role that sees small cells withheld (the public) gets --------------------------

def published_count(count: int) -> int | None:
    """A count shown to the public: withheld (None) below ``SMALL_CELL_HOUSEHOLDS``."""
    return count if count >= SMALL_CELL_HOUSEHOLDS else None


def published_cells(row: RegionTargeting) -> RegionTargeting:
    """A kab/kota's row as the public may add it up: each count below the threshold is 0,
    and each total is the sum of its published parts (households = the published desil cells
    + the published no-desil cell; a program's recipients = its published parts), so that no
    total minus its published parts, nor a province minus its published kab/kota, gives back
    a withheld count. Totals built from these rows are therefore at most the true ones."""
    def shown(count: int) -> int:
        return count if count >= SMALL_CELL_HOUSEHOLDS else 0

    by_desil = {d: shown(n) for d, n in row.by_desil.items() if shown(n)}
    public = RegionTargeting(row.region, no_desil=shown(row.no_desil), by_desil=by_desil,
                             poorest=sum(by_desil.get(d, 0) for d in DESILS
                                         if d <= POOREST_DESIL),
                             unserved=shown(row.unserved))
    public.households = public.no_desil + sum(by_desil.values())
    public.unserved = min(public.unserved, public.poorest)
    for name, counts in row.programs.items():
        program = public.program(name)
        program.inclusion_errors = shown(counts.inclusion_errors)
        program.eligible_recipients = shown(counts.eligible_recipients)
        program.recipients_no_desil = shown(counts.recipients_no_desil)
        program.recipients = (program.inclusion_errors + program.eligible_recipients
                              + program.recipients_no_desil)
    return public.ensure_programs()


def published_rate(numerator: int, denominator: int) -> float | None:
    """A rate shown to the public only when both its counts are."""
    shown_numerator, shown_denominator = published_count(numerator), published_count(
        denominator)
    return rate(shown_numerator, shown_denominator)


def to_plain(row: RegionTargeting) -> dict[str, Any]:
    """A row as JSON (the gateway stores each period's desa rows so)."""
    return {"households": row.households, "no_desil": row.no_desil,
            "by_desil": {str(d): n for d, n in sorted(row.by_desil.items())},
            "poorest": row.poorest, "unserved": row.unserved,
            "programs": {name: {a: getattr(p, a) for a in ProgramTargeting.ADDITIVE}
                         for name, p in sorted(row.programs.items())}}


def from_plain(region: str | None, plain: Mapping[str, Any]) -> RegionTargeting:
    row = RegionTargeting(region, households=int(plain["households"]),
                          no_desil=int(plain["no_desil"]),
                          by_desil={int(d): int(n) for d, n in plain["by_desil"].items()},
                          poorest=int(plain["poorest"]), unserved=int(plain["unserved"]))
    for name, counts in plain["programs"].items():
        if name in eligibility():
            program = row.program(name)
            for attribute in ProgramTargeting.ADDITIVE:
                setattr(program, attribute, int(counts.get(attribute, 0)))
    return row.ensure_programs()
