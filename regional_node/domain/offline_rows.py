"""Flat rows (a spreadsheet, or the options of ``siks offline add-proposal``) into the items
of a work package.

One row of ``new_proposals`` is one proposal; its people (new household, new member) are rows
of ``people`` and its changes (data correction) rows of ``corrections``, joined by the
proposal's id. A row that cannot be read becomes a :class:`RowProblem` with its reason, and so
does a ``people`` or ``corrections`` row whose proposal is missing: nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from regional_node.domain.audit import digest
from regional_node.domain.community_reports import ReportAction
from regional_node.domain.offline_package import (
    REPORT_ACTIONS,
    PackageMeta,
    ProposalItem,
    ReportActionItem,
    RowProblem,
    RowRef,
)
from regional_node.domain.proposal_details import (
    HOUSEHOLD_CORRECTABLE,
    MEMBER_CORRECTABLE,
    from_json,
    plain_json,
    to_json,
)
from regional_node.domain.proposals import ProposalKind

PROPOSALS_SHEET = "new_proposals"
PEOPLE_SHEET = "people"
CORRECTIONS_SHEET = "corrections"
ACTIONS_SHEET = "report_actions"

PROPOSAL_COLUMNS = ("id", "kind", "from_report", "household_id", "base_version", "member_id",
                    "date", "program", "period", "reason", "destination", "kk_number",
                    "address", "desil", "musdes_held_on", "musdes_minutes_number",
                    "musdes_minutes_sha256", "note", "submit")
PEOPLE_COLUMNS = ("proposal_id", "nik", "name", "birth_date", "sex", "relationship",
                  "education", "occupation", "disability")
CORRECTION_COLUMNS = ("proposal_id", "member_id", "field", "value")
ACTION_COLUMNS = ("report_id", "action", "reason")

DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y")
TRUE_WORDS = frozenset({"yes", "ya", "y", "true", "1", "x"})
FALSE_WORDS = frozenset({"", "no", "tidak", "n", "false", "0"})
PEOPLE_KINDS = frozenset({ProposalKind.NEW_HOUSEHOLD, ProposalKind.NEW_MEMBER})
ID_NAMESPACE = uuid.UUID("5b2f6a0e-3f59-4c8e-9a1d-6e0b8d7c4a21")


class RowError(ValueError):
    """Why a row cannot be read."""


@dataclass(frozen=True, slots=True)
class Row:
    ref: RowRef
    values: Mapping[str, Any]

    def text(self, name: str) -> str | None:
        return cell_text(self.values.get(name))

    def is_blank(self, *ignore: str) -> bool:
        return all(cell_text(v) is None for k, v in self.values.items() if k not in ignore)


def cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _required(row: Row, name: str) -> str:
    value = row.text(name)
    if value is None:
        raise RowError(f"{name} is empty")
    return value


def _int(row: Row, name: str, *, required: bool = True) -> int | None:
    value = row.text(name)
    if value is None:
        if required:
            raise RowError(f"{name} is empty")
        return None
    try:
        return int(value)
    except ValueError:
        raise RowError(f"{name} {value!r} is not a whole number") from None


def parse_date(text: str, name: str) -> dt.date:
    for pattern in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise RowError(f"{name} {text!r} is not a date (use YYYY-MM-DD)")


def _date(row: Row, name: str, column: str = "date") -> str:
    return parse_date(_required(row, column), name).isoformat()


def flag(text: str | None, name: str) -> bool:
    word = (text or "").lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise RowError(f"{name} {text!r} is not yes or no")


def canonical_id(text: str, name: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise RowError(f"{name} {text!r} is not a UUID") from None


def _person(row: Row) -> dict[str, Any]:
    person = {"nik": _required(row, "nik"), "name": _required(row, "name"),
              "birth_date": parse_date(_required(row, "birth_date"), "birth_date").isoformat(),
              "sex": _required(row, "sex").upper(),
              "relationship": _required(row, "relationship").upper()}
    for name in ("education", "occupation", "disability"):
        value = row.text(name)
        if value is not None:
            person[name] = value if name == "occupation" else value.upper()
    return person


def _corrected_value(name: str, text: str | None,
                     converters: Mapping[str, Callable[[Any], Any]]) -> Any:
    if name not in converters:
        raise RowError(f"{name} cannot be corrected (correctable: {', '.join(converters)})")
    if name == "assets":
        candidates: list[Any] = [[part.strip().upper() for part in (text or "").split(",")
                                  if part.strip()]]
    elif text is None:
        if converters[name] is str:
            raise RowError(f"the new {name} is empty")
        candidates = [None]
    else:
        candidates = [text, text.upper()]
    for raw in candidates:
        try:
            return plain_json(converters[name](raw))
        except (ValueError, TypeError):
            continue
    raise RowError(f"{text!r} is not a valid {name}")


def _correction(household_id: int, base_version: int | None,
                changes: list[Row]) -> dict[str, Any]:
    if base_version is None:
        raise RowError(f"base_version is empty and household {household_id} is not in the "
                       "package: give the version the correction was made against")
    household: dict[str, Any] = {}
    members: dict[int, dict[str, Any]] = {}
    for change in changes:
        name = _required(change, "field").lower()
        member_id = _int(change, "member_id", required=False)
        if member_id is None:
            household[name] = _corrected_value(name, change.text("value"), HOUSEHOLD_CORRECTABLE)
        else:
            members.setdefault(member_id, {})[name] = _corrected_value(
                name, change.text("value"), MEMBER_CORRECTABLE)
    return {"household_id": household_id, "base_version": base_version,
            "household_changes": household,
            "member_changes": [{"member_id": m, "changes": c} for m, c in members.items()]}


def _details(kind: ProposalKind, row: Row, people: list[Row], changes: list[Row],
             meta: PackageMeta, versions: Mapping[int, int]) -> dict[str, Any]:
    if kind is ProposalKind.NEW_HOUSEHOLD:
        household: dict[str, Any] = {
            "kk_number": _required(row, "kk_number"), "desa_code": meta.desa_code,
            "address": _required(row, "address"), "members": [_person(p) for p in people]}
        desil = _int(row, "desil", required=False)
        if desil is not None:
            household["desil"] = desil
        return {"household": household}
    household_id = _int(row, "household_id")
    assert household_id is not None
    base: dict[str, Any] = {"household_id": household_id}
    member_id = _int(row, "member_id", required=False)
    if kind is ProposalKind.NEW_MEMBER:
        if len(people) != 1:
            raise RowError(f"a new member needs exactly one row in {PEOPLE_SHEET} "
                           f"(found {len(people)})")
        return {**base, "member": _person(people[0])}
    if kind is ProposalKind.DATA_CORRECTION:
        version = _int(row, "base_version", required=False)
        return _correction(household_id, version if version is not None
                           else versions.get(household_id), changes)
    if kind is ProposalKind.DEATH:
        return {**base, "member_id": _int(row, "member_id"),
                "death_date": _date(row, "death_date")}
    if kind is ProposalKind.MOVED:
        return {**base, "moved_on": _date(row, "moved_on"),
                "destination": row.text("destination")}
    if kind is ProposalKind.GRADUATION:
        return {**base, "reason": _required(row, "reason")}
    program = _required(row, "program").upper()
    if kind is ProposalKind.PROGRAM_ENROLMENT:
        return {**base, "program": program, "period": _required(row, "period"),
                "start_date": _date(row, "start_date"), "member_id": member_id}
    return {**base, "program": program, "end_date": _date(row, "end_date"),
            "member_id": member_id}


def _musdes(row: Row) -> dict[str, Any] | None:
    held, number, sha = (row.text("musdes_held_on"), row.text("musdes_minutes_number"),
                         row.text("musdes_minutes_sha256"))
    if held is None and number is None and sha is None:
        return None
    if held is None or number is None or sha is None:
        raise RowError("give the Musdes date, minutes number and minutes SHA-256 together")
    return {"held_on": parse_date(held, "musdes_held_on").isoformat(),
            "minutes_number": number, "minutes_sha256": sha.lower()}


def _kind(row: Row) -> ProposalKind:
    text = _required(row, "kind").upper()
    try:
        return ProposalKind(text)
    except ValueError:
        raise RowError(f"kind {text!r} is not one of "
                       f"{', '.join(k.value for k in ProposalKind)}") from None


def row_id(row: Row, meta: PackageMeta, column: str = "id") -> str:
    """The row's UUID; a row without one (inserted by hand) gets one derived from the package
    and its content, so importing the same file again finds the same id."""
    text = row.text(column)
    if text is not None:
        return canonical_id(text, column)
    content = digest({k: cell_text(v) for k, v in sorted(row.values.items())})
    return str(uuid.uuid5(ID_NAMESPACE, f"{meta.package_id}:{content}"))


def proposal_item(row: Row, people: list[Row], changes: list[Row], meta: PackageMeta,
                  versions: Mapping[int, int]) -> ProposalItem:
    """The proposal a filled row describes; :class:`RowError` with the reason otherwise."""
    pid = row_id(row, meta)
    kind = _kind(row)
    raw = _details(kind, row, people, changes, meta, versions)
    try:
        details = to_json(from_json(kind, raw))
    except (KeyError, ValueError, TypeError) as exc:
        raise RowError(f"the {kind} details are incomplete or invalid ({exc})") from None
    from_report = row.text("from_report")
    return ProposalItem(
        ref=row.ref, id=pid, kind=kind, details=details, musdes=_musdes(row),
        note=row.text("note"), submit=flag(row.text("submit"), "submit"),
        from_report=canonical_id(from_report, "from_report") if from_report else None)


def report_action_item(row: Row) -> ReportActionItem:
    rid = canonical_id(_required(row, "report_id"), "report_id")
    text = _required(row, "action").upper()
    if text not in {a.value for a in REPORT_ACTIONS}:
        raise RowError(f"action {text!r} is not RESOLVE or DISMISS")
    return ReportActionItem(row.ref, rid, ReportAction(text), _required(row, "reason"))


def read_work(meta: PackageMeta, proposals: Iterable[Row], people: Iterable[Row],
              corrections: Iterable[Row], actions: Iterable[Row],
              versions: Mapping[int, int]
              ) -> tuple[list[ProposalItem], list[ReportActionItem], list[RowProblem]]:
    """Every filled row as an item or a problem. A proposal row counts as filled once it has
    a kind (the id alone is pre-filled); an action row once it has an action."""
    items: list[ProposalItem] = []
    problems: list[RowProblem] = []
    people_by, changes_by = _by_proposal(people, problems), _by_proposal(corrections, problems)
    used: set[str] = set()
    for row in proposals:
        if row.is_blank("id"):
            continue
        try:
            pid = row_id(row, meta)
            used.add(pid)
            item = proposal_item(row, people_by.get(pid, []), changes_by.get(pid, []),
                                 meta, versions)
        except RowError as exc:
            problems.append(RowProblem(row.ref, row.text("id"), str(exc)))
            continue
        items.append(item)
        problems += _unused(item, people_by.get(pid, []), changes_by.get(pid, []))
    for pid, rows in (*people_by.items(), *changes_by.items()):
        if pid not in used:
            problems += [RowProblem(r.ref, pid, f"no filled row in {PROPOSALS_SHEET} has id "
                                    f"{pid}") for r in rows]
    acts: list[ReportActionItem] = []
    for row in actions:
        if row.text("action") is None and row.text("reason") is None:
            continue
        try:
            acts.append(report_action_item(row))
        except RowError as exc:
            problems.append(RowProblem(row.ref, row.text("report_id"), str(exc)))
    return items, acts, problems


def _unused(item: ProposalItem, people: list[Row], changes: list[Row]) -> list[RowProblem]:
    """Rows joined to a proposal of a kind that does not take them: reported, not dropped."""
    unused = [] if item.kind in PEOPLE_KINDS else people
    unused += [] if item.kind is ProposalKind.DATA_CORRECTION else changes
    return [RowProblem(r.ref, item.id, f"a {item.kind} proposal takes no {r.ref.sheet} rows")
            for r in unused]


def _by_proposal(rows: Iterable[Row], problems: list[RowProblem]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        if row.is_blank():
            continue
        try:
            pid = canonical_id(_required(row, "proposal_id"), "proposal_id")
        except RowError as exc:
            problems.append(RowProblem(row.ref, None, str(exc)))
            continue
        grouped.setdefault(pid, []).append(row)
    return grouped
