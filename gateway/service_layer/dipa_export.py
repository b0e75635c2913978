"""A DIPA as a budget officer reads it: one sheet (XLSX) or file (CSV) of the same lines —
title, period and when it was made; per kab/kota each program (PKH with its components
below it); a subtotal per program and province; national totals; the regions left out
because their node did not answer; and the legal basis of every amount used."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from gateway.service_layer.dipa import Dipa, DipaRow, DipaTotal, region_label
from schema.benefits import COMPONENT_TEXT, UNIT_TEXT, BenefitComponent

TITLE = "REKAPITULASI KEBUTUHAN ANGGARAN BANTUAN SOSIAL (BAHAN DIPA)"
HEADERS = ("No", "Program", "Komponen", "Kode Provinsi", "Provinsi", "Kode Kab/Kota",
           "Kab/Kota", "Jumlah KPM", "Jumlah Jiwa", "Satuan", "Indeks (Rp)", "Bulan",
           "Nilai (Rp)", "Dasar Hukum")
PROGRAM_NAMES = {"PKH": "PKH (Program Keluarga Harapan)",
                 "BPNT": "Program Sembako (BPNT)",
                 "PBI_JK": "PBI Jaminan Kesehatan",
                 "BLT": "BLT (Bantuan Langsung Tunai)",
                 "PIP": "PIP (Program Indonesia Pintar)",
                 "RUTILAHU": "RUTILAHU"}
NOT_PRICED = "tidak ada di katalog / not in the catalogue"
BY_COMPONENT = "per komponen (di bawah)"
SEMESTER_MONTHS = {1: "Januari–Juni", 2: "Juli–Desember"}


@dataclass
class Line:
    cells: list[Any]
    kind: str = "row"  # title, header, row, component, subtotal, total, note
    bold: bool = field(init=False)

    def __post_init__(self) -> None:
        self.bold = self.kind in ("title", "header", "subtotal", "total")


def lines(dipa: Dipa) -> list[Line]:
    period = dipa.period
    out = [Line([TITLE], "title"),
           Line([f"Periode: {period.code} ({SEMESTER_MONTHS[period.semester]} {period.year}, "
                 f"{period.months} bulan)"], "note"),
           Line([f"Dibuat: {dipa.generated_at.strftime('%Y-%m-%d %H:%M:%S')} UTC"], "note"),
           Line(["Sumber: keanggotaan program yang telah ditetapkan dan tidak ditangguhkan "
                 "(SIKS-NG) / determined, unsuspended memberships"], "note"),
           Line([]), Line(list(HEADERS), "header")]
    number = 0
    for province, rows in groupby(dipa.rows, key=lambda r: r.province):
        kept = list(rows)
        for row in kept:
            if row.component is None:
                number += 1
            out.append(_row_line(row, number, dipa))
        out += [Line(["", _program(t.program), "", province, region_label(province),
                      "", f"Subtotal {region_label(province)}", t.kpm, t.persons, "", "",
                      "", t.amount, ""], "subtotal") for t in _subtotals(kept)]
    out.append(Line([]))
    out += [Line(["", _program(t.program), "", "", "", "", "JUMLAH NASIONAL", t.kpm,
                  t.persons, "", "", "", t.amount, ""], "total") for t in dipa.totals]
    priced = [t.amount for t in dipa.totals if t.amount is not None]
    out.append(Line(["", "SEMUA PROGRAM", "", "", "", "", "JUMLAH NASIONAL", "", "", "", "",
                     "", sum(priced), ""], "total"))
    out += list(_missing(dipa)) + list(_legal_basis(dipa))
    return out


def _row_line(row: DipaRow, number: int, dipa: Dipa) -> Line:
    rate, months = row.rate, dipa.period.months
    unit = UNIT_TEXT[rate.unit].split(" / ")[0] if rate else ""
    if row.component is None:
        cells = [number, _program(row.program), "", row.province, region_label(row.province),
                 row.kabkota, region_label(row.kabkota)]
    else:
        cells = ["", "", COMPONENT_TEXT[BenefitComponent(row.component)], "", "", "", ""]
    amount: Any = row.amount if row.amount is not None else ""
    if rate:
        basis = rate.legal_basis
    elif row.amount is not None:  # priced by its components, on the lines below
        unit, basis = BY_COMPONENT, "; ".join(dipa.legal_basis(row.program))
    else:
        basis = NOT_PRICED
    return Line(cells + [row.kpm, row.persons, unit, rate.amount if rate else "",
                         months if rate else "", amount, basis],
                "row" if row.component is None else "component")


def _subtotals(rows: list[DipaRow]) -> list[DipaTotal]:
    sums: dict[str, list[Any]] = {}
    for row in rows:
        if row.component is None:
            total = sums.setdefault(row.program, [0, 0, None])
            total[0] += row.kpm
            total[1] += row.persons
            if row.amount is not None:
                total[2] = (total[2] or 0) + row.amount
    return [DipaTotal(p, *sums[p]) for p in sorted(sums)]


def _missing(dipa: Dipa) -> Iterator[Line]:
    if not dipa.missing:
        return
    yield Line([])
    yield Line(["WILAYAH TIDAK TERHITUNG (node tidak menjawab) / REGIONS LEFT OUT (no answer "
                "from their node)"], "header")
    yield Line(["", "Kode Kab/Kota", "Kab/Kota", "Kode", "Keterangan"], "header")
    for missing in dipa.missing:
        yield Line(["", missing.region, region_label(missing.region), missing.code,
                    missing.message], "note")


def _legal_basis(dipa: Dipa) -> Iterator[Line]:
    yield Line([])
    yield Line(["DASAR HUKUM DAN INDEKS / LEGAL BASIS AND RATES"], "header")
    yield Line(["", "Program", "Komponen", "Periode", "Satuan", "Indeks (Rp)", "Dasar Hukum",
                "Sumber"], "header")
    for rate in dipa.rates:
        component = COMPONENT_TEXT[BenefitComponent(rate.component)] if rate.component else ""
        yield Line(["", _program(rate.program), component, rate.period,
                    UNIT_TEXT[rate.unit].split(" / ")[0], rate.amount, rate.legal_basis,
                    rate.source or ""], "note")


def _program(code: str) -> str:
    return PROGRAM_NAMES.get(code, code)


def to_csv(dipa: Dipa) -> bytes:
    """UTF-8 with a byte-order mark (so that Excel reads it as UTF-8), comma-separated."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for line in lines(dipa):
        writer.writerow(line.cells)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(dipa: Dipa) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"DIPA {dipa.period.code}"
    header_row = 0
    for index, line in enumerate(lines(dipa), start=1):
        sheet.append(line.cells)
        if line.bold:
            for cell in sheet[index]:
                cell.font = Font(bold=True)
        if line.kind == "header" and header_row == 0:
            header_row = index
        if line.kind in ("row", "component", "subtotal", "total"):
            for column in (8, 9, 11, 13):
                sheet.cell(index, column).number_format = "#,##0"
    widths = (5, 30, 28, 8, 24, 10, 26, 12, 12, 20, 14, 7, 18, 60)
    for letter, width in zip("ABCDEFGHIJKLMN", widths, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
