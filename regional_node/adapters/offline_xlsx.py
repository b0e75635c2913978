"""The XLSX form of an offline work package (openpyxl), for operators who work in a spreadsheet.

Reference sheets (``households``, ``members``, ``pending_proposals``, ``community_reports``,
``enums``, ``meta``) are what the node held at export. The operator fills the work sheets:
``new_proposals`` (each row already has its UUID; a row counts once its ``kind`` is set),
``people`` and ``corrections`` (joined to a proposal by ``proposal_id``) and
``report_actions`` (one row per open report: set ``action`` and ``reason``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from regional_node.domain.offline_package import (
    FORMAT,
    REPORT_ACTIONS,
    ExportedPackage,
    PackageMeta,
    RowRef,
    WorkPackage,
)
from regional_node.domain.offline_rows import (
    ACTION_COLUMNS,
    ACTIONS_SHEET,
    CORRECTION_COLUMNS,
    CORRECTIONS_SHEET,
    PEOPLE_COLUMNS,
    PEOPLE_SHEET,
    PROPOSAL_COLUMNS,
    PROPOSALS_SHEET,
    Row,
    RowError,
    canonical_id,
    cell_text,
    read_work,
)
from regional_node.domain.proposals import ProposalKind
from regional_node.errors import PackageError

META_SHEET = "meta"
HOUSEHOLDS_SHEET = "households"
MEMBERS_SHEET = "members"
PENDING_SHEET = "pending_proposals"
REPORTS_SHEET = "community_reports"
ENUMS_SHEET = "enums"
README_SHEET = "README"
META_KEYS = ("format", "package_id", "region", "desa_code", "exported_at", "exported_by",
             "exported_role")
HOUSEHOLD_COLUMNS = ("id", "kk_number", "address", "status", "version", "desil", "programs")
MEMBER_COLUMNS = ("household_id", "member_id", "nik", "name", "birth_date", "sex",
                  "relationship", "alive")
PENDING_COLUMNS = ("id", "kind", "state", "household_id", "created_by", "updated_at")
REPORT_COLUMNS = ("id", "kind", "due_at", "person_name", "address", "description", "program")
ACTION_HELP_COLUMNS = ("kind", "person_name", "due_at")  # shown next to report_actions
HEADER = Font(bold=True)
FILL_ME = PatternFill("solid", fgColor="FFF2CC")
README = (
    "SIKS-NG offline work package",
    "",
    "Fill these sheets (yellow headers); leave the others as they are:",
    f"  {PROPOSALS_SHEET}: one proposal per row. Every row already has its id: keep it. "
    "Set kind, then the columns that kind needs (see docs/offline.md).",
    f"  {PEOPLE_SHEET}: the people of a NEW_HOUSEHOLD or the one NEW_MEMBER, "
    "with proposal_id = the id of their row in new_proposals.",
    f"  {CORRECTIONS_SHEET}: for a DATA_CORRECTION, one row per changed field "
    "(member_id empty for a household field).",
    f"  {ACTIONS_SHEET}: set action (RESOLVE or DISMISS) and a reason for a report you "
    "handled; to open a proposal from a report, put its id in new_proposals.from_report.",
    "",
    "Dates as YYYY-MM-DD. Import with `siks offline import FILE --actor YOU`; importing the "
    "same file again changes nothing.",
)


def _sheet(book: Workbook, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
           *, fill: bool = False) -> Worksheet:
    sheet = book.create_sheet(title)
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = HEADER
        if fill:
            cell.fill = FILL_ME
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    for index, name in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(12, len(name) + 2)
    return sheet


def _validate(sheet: Worksheet, column: str, columns: Sequence[str],
              values: Sequence[str]) -> None:
    letter = sheet.cell(1, list(columns).index(column) + 1).column_letter
    rule = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
    rule.add(f"{letter}2:{letter}1000")
    sheet.add_data_validation(rule)


def write_workbook(exported: ExportedPackage) -> bytes:
    book = Workbook()
    readme = book.active
    assert readme is not None
    readme.title = README_SHEET
    for line in README:
        readme.append([line])
    meta = exported.meta
    _sheet(book, META_SHEET, ("key", "value"), [
        ("format", FORMAT), ("package_id", meta.package_id), ("region", meta.region),
        ("desa_code", meta.desa_code), ("exported_at", meta.exported_at),
        ("exported_by", meta.exported_by), ("exported_role", meta.exported_role)])
    proposals = _sheet(book, PROPOSALS_SHEET, PROPOSAL_COLUMNS,
                       [[pid] for pid in exported.prefilled_ids], fill=True)
    _validate(proposals, "kind", PROPOSAL_COLUMNS, [k.value for k in ProposalKind])
    _validate(proposals, "submit", PROPOSAL_COLUMNS, ["yes", "no"])
    _sheet(book, PEOPLE_SHEET, PEOPLE_COLUMNS, [], fill=True)
    _sheet(book, CORRECTIONS_SHEET, CORRECTION_COLUMNS, [], fill=True)
    actions = _sheet(book, ACTIONS_SHEET, (*ACTION_COLUMNS, *ACTION_HELP_COLUMNS),
                     [(r["id"], None, None, r["kind"], r["person_name"], r["due_at"])
                      for r in exported.community_reports], fill=True)
    _validate(actions, "action", ACTION_COLUMNS, [a.value for a in REPORT_ACTIONS])
    _sheet(book, HOUSEHOLDS_SHEET, HOUSEHOLD_COLUMNS, [
        (h["id"], h["kk_number"], h["address"], h["status"], h["version"], h["desil"],
         ", ".join(sorted({p["program"] for p in h["programs"]})))
        for h in exported.households])
    _sheet(book, MEMBERS_SHEET, MEMBER_COLUMNS, [
        (h["id"], m["id"], m["nik"], m["name"], m["birth_date"], m["sex"], m["relationship"],
         "yes" if m["alive"] else "no" if m["alive"] is not None else None)
        for h in exported.households for m in h["members"]])
    _sheet(book, PENDING_SHEET, PENDING_COLUMNS,
           [tuple(p[c] for c in PENDING_COLUMNS) for p in exported.pending_proposals])
    _sheet(book, REPORTS_SHEET, REPORT_COLUMNS,
           [tuple(r.get(c) for c in REPORT_COLUMNS) for r in exported.community_reports])
    longest = max((len(v) for v in exported.enums.values()), default=0)
    names = list(exported.enums)
    _sheet(book, ENUMS_SHEET, names, [
        [exported.enums[n][i] if i < len(exported.enums[n]) else None for n in names]
        for i in range(longest)])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _rows(book: Any, title: str, columns: Sequence[str]) -> Iterator[Row]:
    if title not in book.sheetnames:
        raise PackageError(f"the workbook has no sheet {title!r}: is it a work package?")
    sheet = book[title]
    lines = sheet.iter_rows(values_only=True)
    header = [cell_text(v) or "" for v in next(lines, ())]
    missing = [c for c in columns if c not in header]
    if missing:
        raise PackageError(f"sheet {title!r} lacks the columns {', '.join(missing)}")
    for number, values in enumerate(lines, start=2):
        yield Row(RowRef(title, number), {name: values[i] if i < len(values) else None
                                          for i, name in enumerate(header) if name})


def _meta(book: Any) -> PackageMeta:
    values = {r.text("key"): r.text("value") for r in _rows(book, META_SHEET, ("key", "value"))}
    if values.get("format") != FORMAT:
        raise PackageError(f"the workbook is not a {FORMAT} work package")
    try:
        return PackageMeta(package_id=canonical_id(values["package_id"] or "", "package_id"),
                           **{k: values[k] or "" for k in META_KEYS[2:]})
    except (KeyError, RowError) as exc:
        raise PackageError(f"the meta sheet is incomplete ({exc})") from None


def _versions(rows: Iterator[Row]) -> dict[int, int]:
    """Household id → version as exported (rows edited into nonsense are skipped: a
    correction of such a household then needs its ``base_version`` and says so)."""
    versions = {}
    for row in rows:
        household, version = row.text("id"), row.text("version")
        if household and version and household.isdigit() and version.isdigit():
            versions[int(household)] = int(version)
    return versions


def read_workbook(content: bytes) -> WorkPackage:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
        raise PackageError(f"the file is not an XLSX workbook ({exc.__class__.__name__})") \
            from None
    try:
        meta = _meta(book)
        versions = _versions(_rows(book, HOUSEHOLDS_SHEET, ("id", "version")))
        proposals, actions, problems = read_work(
            meta, list(_rows(book, PROPOSALS_SHEET, PROPOSAL_COLUMNS)),
            list(_rows(book, PEOPLE_SHEET, PEOPLE_COLUMNS)),
            list(_rows(book, CORRECTIONS_SHEET, CORRECTION_COLUMNS)),
            list(_rows(book, ACTIONS_SHEET, ACTION_COLUMNS)), versions)
    finally:
        book.close()
    return WorkPackage(meta, proposals, actions, {}, versions, problems)
