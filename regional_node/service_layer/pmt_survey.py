"""Survey data for fitting a PMT: an import CSV (the columns of ``siks seed --csv``, values as
it writes them) with one more column, ``consumption_per_capita``: the household's monthly
consumption per person in rupiah, on every row of its KK.

``write_example_survey`` makes such a file from synthetic households whose consumption a
given model predicts, plus noise: what the documentation fits.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

from regional_node.domain.household_rows import household_rows
from regional_node.domain.import_format import COLUMNS
from regional_node.domain.pmt import (
    CATEGORICAL,
    HouseholdFacts,
    MemberFacts,
    PmtModel,
    facts_from_rows,
)
from regional_node.errors import UnwritableFile
from regional_node.service_layer.import_file_writer import ENCODING, RowBuilder
from regional_node.service_layer.synthetic import generate_households
from schema import enums
from schema.errors import InvalidInput

CONSUMPTION = "consumption_per_capita"
_REQUIRED = ("kk_number", "desa_code", "birth_date", "sex", "relationship", CONSUMPTION)
_MEMBER_CHOICES = {"sex": ("MALE", "FEMALE"), "relationship": tuple(enums.Relationship),
                   "education": tuple(enums.Education), "disability": tuple(enums.Disability)}


def write_example_survey(path: Path, region: str, households: int, seed: int, model: PmtModel,
                         noise: float, on: dt.date) -> int:
    """Synthetic households of ``region`` with ``exp(model score + N(0, noise))`` as their
    consumption; returns the households written."""
    rng = random.Random(f"siks-pmt-survey:{seed}")
    columns = tuple(c.name for c in COLUMNS)
    builder = RowBuilder(columns)
    try:
        handle = path.open("w", encoding=ENCODING, newline="")
    except OSError as exc:
        raise UnwritableFile(f"cannot write {path}: {exc.strerror or exc}") from None
    written = 0
    with handle:
        writer = csv.writer(handle)
        writer.writerow([*columns, CONSUMPTION])
        for record in generate_households(region, households, seed=seed):
            values, members, _, _ = household_rows(record, with_digest=False)
            log_consumption = model.score(facts_from_rows(values, members), on)
            consumption = round(math.exp(log_consumption + rng.gauss(0.0, noise)))
            writer.writerows([*row, consumption] for row in builder.rows(record))
            written += 1
    return written


def read_survey(path: Path) -> list[tuple[HouseholdFacts, float]]:
    """Each household of the file with its log per-capita consumption."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InvalidInput(f"tidak dapat membaca {path} / cannot read {path}: "
                           f"{exc.strerror or exc}", reason="unreadable") from None
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in _REQUIRED if c not in (reader.fieldnames or ())]
        if missing:
            raise InvalidInput(f"{path}: kolom tidak ada / missing column: {', '.join(missing)}",
                               reason="missing_column", field=missing[0])
        return list(_households(reader))


def _households(reader: csv.DictReader[str]) -> Iterator[tuple[HouseholdFacts, float]]:
    current: list[tuple[int, dict[str, str]]] = []
    for line, row in enumerate(reader, start=2):
        if current and row["kk_number"] != current[0][1]["kk_number"]:
            yield _household(current)
            current = []
        current.append((line, row))
    if current:
        yield _household(current)


def _household(rows: list[tuple[int, dict[str, str]]]) -> tuple[HouseholdFacts, float]:
    line, first = rows[0]
    attributes = {name: _choice(line, first, name, CATEGORICAL[name]) for name in CATEGORICAL}
    area = _number(line, first, "floor_area_m2", required=False)
    assets = [a for a in (first.get("assets") or "").split(";") if a]
    for asset in assets:
        if asset not in tuple(enums.Asset):
            _refuse(line, "assets", f"aset tidak dikenal {asset} / unknown asset {asset}")
    members = [_member(number, row) for number, row in rows]
    consumption = _number(line, first, CONSUMPTION, required=True)
    if consumption is None or consumption <= 0:
        _refuse(line, CONSUMPTION, "harus lebih dari 0 / must be more than 0")
    return (HouseholdFacts(first["desa_code"], attributes, area, assets, members),
            math.log(consumption))


def _member(line: int, row: dict[str, str]) -> MemberFacts:
    try:
        birth = dt.date.fromisoformat(row["birth_date"])
    except ValueError:
        _refuse(line, "birth_date", "tanggal YYYY-MM-DD / a YYYY-MM-DD date")
    choices = {name: _choice(line, row, name, values) for name, values in _MEMBER_CHOICES.items()}
    return MemberFacts(birth, choices["sex"] or "", choices["relationship"] or "",
                       choices["education"], row.get("occupation") or None,
                       choices["disability"] or enums.Disability.NONE,
                       (row.get("alive") or "YES").upper() != "NO")


def _choice(line: int, row: dict[str, str], name: str, values: tuple[str, ...]) -> str | None:
    value = (row.get(name) or "").strip()
    if not value:
        return None
    if value not in values:
        _refuse(line, name, f"nilai tidak dikenal {value} / unknown value {value}")
    return value


def _number(line: int, row: dict[str, str], name: str, *, required: bool) -> float | None:
    text = (row.get(name) or "").strip()
    if not text:
        if required:
            _refuse(line, name, "wajib diisi / required")
        return None
    try:
        value = float(text)
    except ValueError:
        _refuse(line, name, f"bukan angka: {text} / not a number: {text}")
    if not math.isfinite(value):
        _refuse(line, name, f"bukan angka: {text} / not a number: {text}")
    return value


def _refuse(line: int, column: str, message: str) -> NoReturn:
    """``message``: Indonesian, " / ", English."""
    indonesian, english = message.split(" / ", 1)
    raise InvalidInput(f"survei baris {line}, kolom {column}: {indonesian} / survey row "
                       f"{line}, column {column}: {english}", reason="invalid_survey",
                       field=column)
