"""Import files for tests and the ingest benchmark: households → one row per person, written
as CSV or XLSX with the canonical headers (or any others)."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from regional_node.domain.import_format import COLUMNS
from regional_node.domain.records import HouseholdRecord, MemberRecord, ProgramRecord
from schema.enums import Program, Relationship
from schema.identity_numbers import Sex, make_kk, make_nik
from schema.regions import RegionLevel, regions

Row = dict[str, str]
HEADER = [c.name for c in COLUMNS]


def person_rows(records: Iterable[HouseholdRecord]) -> list[Row]:
    """One row per member, household fields repeated, programs on the right rows."""
    rows = []
    for record in records:
        for member in record.members:
            rows.append({**_household_cells(record), **_member_cells(member),
                         "programs": _programs_of(record, member)})
    return rows


def _household_cells(record: HouseholdRecord) -> Row:
    def show(value: object) -> str:
        return "" if value is None else str(value)

    return {
        "kk_number": record.kk_number, "desa_code": record.desa_code,
        "address": record.address, "latitude": show(record.latitude),
        "longitude": show(record.longitude), "floor_material": show(record.floor_material),
        "wall_material": show(record.wall_material), "roof_material": show(record.roof_material),
        "floor_area_m2": show(record.floor_area_m2), "tenure": show(record.tenure),
        "drinking_water": show(record.drinking_water), "lighting": show(record.lighting),
        "cooking_fuel": show(record.cooking_fuel), "toilet": show(record.toilet),
        "assets": ";".join(record.assets), "desil": show(record.desil),
        "status": str(record.status),
    }


def _member_cells(member: MemberRecord) -> Row:
    return {
        "nik": member.nik, "name": member.name, "birth_date": member.birth_date.isoformat(),
        "sex": str(member.sex), "relationship": str(member.relationship),
        "education": str(member.education or ""), "occupation": member.occupation or "",
        "disability": str(member.disability), "alive": "YES" if member.alive else "NO",
        "match_status": str(member.match_status),
    }


def _programs_of(record: HouseholdRecord, member: MemberRecord) -> str:
    items = [p for p in record.programs if p.member_nik == member.nik
             or (p.member_nik is None and member.relationship is Relationship.HEAD)]
    return ";".join(f"{p.program}@{p.period}@{p.start_date}" for p in items)


def write_csv(path: Path, rows: Sequence[Row], header: Sequence[str] = HEADER, *,
              delimiter: str = ",", bom: bool = False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows([row.get(name, "") for name in header] for row in rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], header: Sequence[str] = HEADER,
               *, sheet: str = "data", first_sheet: str | None = None) -> Path:
    """``rows`` as lists of cell values (dicts are laid out by ``header``)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    data = workbook.active
    assert data is not None
    if first_sheet is not None:
        data.title = first_sheet
        data = workbook.create_sheet(sheet)
    else:
        data.title = sheet
    data.append(list(header))
    for row in rows:
        data.append([row.get(n, "") for n in header] if isinstance(row, dict) else list(row))
    workbook.save(path)
    return path


def generate_households(count: int, region: str = "32.73", *, members: int = 4,
                        with_programs: bool = True) -> list[HouseholdRecord]:
    """``count`` valid households spread over the desas of ``region``, unique KKs and NIKs."""
    desas = [r.code for r in regions().descendants(region, RegionLevel.DESA)]
    kk_serials: Counter[str] = Counter()
    nik_serials: Counter[tuple[str, dt.date, Sex]] = Counter()
    records = []
    for index, desa in zip(range(count), itertools.cycle(desas), strict=False):
        kecamatan = desa.rsplit(".", 1)[0]
        kk_serials[kecamatan] += 1
        people = []
        for position in range(members):
            relationship = (Relationship.HEAD, Relationship.SPOUSE)[position] if position < 2 \
                else Relationship.CHILD
            sex = Sex.FEMALE if position % 2 else Sex.MALE
            born = dt.date(1950 + (index + position * 9) % 60, 1 + position, 1 + index % 28)
            nik_serials[(kecamatan, born, sex)] += 1
            nik = make_nik(kecamatan, born, sex, nik_serials[(kecamatan, born, sex)])
            people.append(MemberRecord(nik, f"Warga {index} {position}", born, sex,
                                       relationship))
        kk_date = dt.date(2010 + index % 10, 1 + index % 12, 1 + index % 28)
        record = HouseholdRecord(make_kk(kecamatan, kk_date, kk_serials[kecamatan]), desa,
                                 f"Jl. Contoh No. {index}", people, desil=1 + index % 10)
        if with_programs:
            record.programs = [
                ProgramRecord(Program.PKH, "2026-S1", dt.date(2026, 1, 1)),
                ProgramRecord(Program.PBI_JK, "2026-S1", dt.date(2026, 1, 1), people[-1].nik)]
        records.append(record)
    return records


def implausible(rows: list[Row]) -> None:
    """Household 1: a child (row 4) born before the head; household 2: a KK of province 35
    (row 6); household 3: the head (row 10) born in 1899. Each NIK agrees with its date."""
    def rebirth(row: Row, day: dt.date) -> None:
        sex = Sex.FEMALE if row["sex"] in ("FEMALE", "P") else Sex.MALE
        row.update(birth_date=day.isoformat(),
                   nik=make_nik(row["nik"][:6], day, sex, int(row["nik"][12:])))

    rebirth(rows[2], dt.date(1940, 3, 2))
    other_kk = make_kk("35.78.01", dt.date(2015, 1, 1), 7)
    for row in rows[4:8]:
        row["kk_number"] = other_kk
    rebirth(rows[8], dt.date(1899, 7, 1))
