"""The offline work package: what an operator takes away (reference lists of one desa) and
brings back (new proposals with client-chosen UUIDs, actions on community reports).

Both file forms (JSON and XLSX) read into one :class:`WorkPackage`; every item keeps the
:class:`RowRef` it came from, so the import can answer for each row: applied, already applied,
conflict or error, with the reason. Pure: no files, no database, no clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from regional_node.domain.community_reports import ReportAction
from regional_node.domain.proposals import ProposalKind

FORMAT = "siks-offline/1"
PREFILLED_IDS = 50
"""Blank proposal rows the XLSX form carries, each with its UUID already chosen."""

REPORT_ACTIONS = (ReportAction.RESOLVE, ReportAction.DISMISS)


class Outcome(StrEnum):
    APPLIED = "APPLIED"
    ALREADY_APPLIED = "ALREADY_APPLIED"  # the same item was imported before: nothing changed
    CONFLICT = "CONFLICT"  # the data changed meanwhile: nothing overwritten
    ERROR = "ERROR"  # the row breaks a rule: nothing stored for it


@dataclass(frozen=True, slots=True)
class RowRef:
    sheet: str  # XLSX sheet, or the JSON list ("work.proposals")
    row: int  # spreadsheet row number, or the 1-based position in the JSON list


@dataclass(frozen=True, slots=True)
class PackageMeta:
    package_id: str
    region: str  # the node's kab/kota
    desa_code: str
    exported_at: str
    exported_by: str
    exported_role: str
    format: str = FORMAT


@dataclass(frozen=True, slots=True)
class ProposalItem:
    """A proposal made offline, in the stored (JSON) form of its details."""

    ref: RowRef
    id: str
    kind: ProposalKind
    details: dict[str, Any]
    musdes: dict[str, Any] | None = None  # held_on, minutes_number, minutes_sha256
    note: str | None = None
    submit: bool = False
    from_report: str | None = None


@dataclass(frozen=True, slots=True)
class ReportActionItem:
    ref: RowRef
    report_id: str
    action: ReportAction
    reason: str


@dataclass(frozen=True, slots=True)
class AttachmentItem:
    content: bytes
    media_type: str
    filename: str | None = None


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that could not even be read into an item."""

    ref: RowRef
    item_id: str | None
    reason: str


@dataclass
class WorkPackage:
    meta: PackageMeta
    proposals: list[ProposalItem] = field(default_factory=list)
    report_actions: list[ReportActionItem] = field(default_factory=list)
    attachments: dict[str, AttachmentItem] = field(default_factory=dict)
    household_versions: dict[int, int] = field(default_factory=dict)  # as exported
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.proposals) + len(self.report_actions) + len(self.problems)


@dataclass(frozen=True, slots=True)
class RowOutcome:
    sheet: str
    row: int
    item_id: str | None
    outcome: Outcome
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "item_id": self.item_id,
                "outcome": self.outcome.value, "reason": self.reason}


@dataclass
class ImportReport:
    package_id: str
    desa_code: str
    outcomes: list[RowOutcome] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.outcomes if o.outcome is outcome)

    @property
    def changed(self) -> bool:
        return self.count(Outcome.APPLIED) > 0

    @property
    def clean(self) -> bool:
        """Every row applied now or before: nothing left for the operator to look at."""
        return self.count(Outcome.CONFLICT) == 0 and self.count(Outcome.ERROR) == 0

    def summary(self) -> str:
        counts = ", ".join(f"{self.count(o)} {o.value.lower().replace('_', ' ')}"
                           for o in Outcome)
        note = "" if self.changed or not self.outcomes else " (nothing changed)"
        return f"package {self.package_id} for desa {self.desa_code}: {counts}{note}"


def outcome_of(ref: RowRef, item_id: str | None, outcome: Outcome, reason: str) -> RowOutcome:
    return RowOutcome(ref.sheet, ref.row, item_id, outcome, reason)


def iso_now(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


@dataclass
class ExportedPackage:
    """What the operator takes away: reference lists as they may see them, and blank work."""

    meta: PackageMeta
    enums: dict[str, list[str]]
    households: list[dict[str, Any]]  # each with its members and active programmes
    pending_proposals: list[dict[str, Any]]
    community_reports: list[dict[str, Any]]
    prefilled_ids: list[str]  # UUIDs for the blank proposal rows of the XLSX form

    def household_versions(self) -> dict[int, int]:
        return {int(h["id"]): int(h["version"]) for h in self.households}
