"""The JSON form of an offline work package, and the small edits ``siks offline`` makes to it.

    {"format": "siks-offline/1", "meta": {...},
     "reference": {"enums", "households", "pending_proposals", "community_reports"},
     "work": {"proposals": [{"id", "kind", "details", "musdes", "note", "submit",
                             "from_report"}],
              "report_actions": [{"report_id", "action", "reason"}]},
     "attachments": [{"sha256", "media_type", "filename", "content_base64"}]}

``details`` is the stored form of a proposal's details (``proposal_details.to_json``).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from regional_node.adapters.attachments import check_content, sha256_of
from regional_node.domain.offline_package import (
    FORMAT,
    AttachmentItem,
    ExportedPackage,
    PackageMeta,
    ProposalItem,
    ReportActionItem,
    RowProblem,
    RowRef,
    WorkPackage,
)
from regional_node.domain.offline_rows import (
    Row,
    RowError,
    canonical_id,
    flag,
    report_action_item,
)
from regional_node.domain.proposal_details import from_json, to_json
from regional_node.domain.proposals import ProposalKind
from regional_node.errors import PackageError
from schema.errors import InvalidInput

PROPOSALS = "work.proposals"
ACTIONS = "work.report_actions"


def package_document(exported: ExportedPackage) -> dict[str, Any]:
    meta = exported.meta
    return {
        "format": FORMAT,
        "meta": {"package_id": meta.package_id, "region": meta.region,
                 "desa_code": meta.desa_code, "exported_at": meta.exported_at,
                 "exported_by": meta.exported_by, "exported_role": meta.exported_role},
        "reference": {"enums": exported.enums, "households": exported.households,
                      "pending_proposals": exported.pending_proposals,
                      "community_reports": exported.community_reports},
        "work": {"proposals": [], "report_actions": []},
        "attachments": [],
    }


def dump(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def load(content: bytes) -> dict[str, Any]:
    try:
        document = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"the file is not JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise PackageError(f"the file is not a {FORMAT} work package")
    return document


def meta_of(document: dict[str, Any]) -> PackageMeta:
    try:
        m = document["meta"]
        return PackageMeta(package_id=canonical_id(str(m["package_id"]), "package_id"),
                           region=m["region"], desa_code=m["desa_code"],
                           exported_at=m["exported_at"], exported_by=m["exported_by"],
                           exported_role=m["exported_role"])
    except (KeyError, TypeError, RowError) as exc:
        raise PackageError(f"the package's meta is incomplete ({exc})") from None


def versions_of(document: dict[str, Any]) -> dict[int, int]:
    households = document.get("reference", {}).get("households", [])
    return {int(h["id"]): int(h["version"]) for h in households
            if isinstance(h, dict) and "id" in h and "version" in h}


def read_package(content: bytes) -> WorkPackage:
    """Every work entry as an item, or as a problem naming its position and why."""
    document = load(content)
    package = WorkPackage(meta_of(document), household_versions=versions_of(document))
    work = document.get("work") or {}
    for index, entry in enumerate(work.get("proposals") or [], start=1):
        ref = RowRef(PROPOSALS, index)
        try:
            package.proposals.append(_proposal(ref, entry, package.household_versions))
        except (RowError, KeyError, ValueError, TypeError) as exc:
            package.problems.append(RowProblem(ref, _id_of(entry), _why(exc)))
    for index, entry in enumerate(work.get("report_actions") or [], start=1):
        ref = RowRef(ACTIONS, index)
        try:
            package.report_actions.append(_action(ref, entry))
        except (RowError, KeyError, ValueError, TypeError) as exc:
            package.problems.append(RowProblem(ref, _id_of(entry, "report_id"), _why(exc)))
    for entry in document.get("attachments") or []:
        item = _attachment(entry)
        package.attachments[sha256_of(item.content)] = item
    return package


def _why(exc: Exception) -> str:
    return f"missing {exc}" if isinstance(exc, KeyError) else str(exc)


def _id_of(entry: Any, key: str = "id") -> str | None:
    return str(entry.get(key)) if isinstance(entry, dict) and entry.get(key) else None


def _proposal(ref: RowRef, entry: dict[str, Any], versions: dict[int, int]) -> ProposalItem:
    kind = ProposalKind(str(entry["kind"]).upper())
    details = dict(entry["details"])
    if kind is ProposalKind.DATA_CORRECTION and details.get("base_version") is None:
        household_id = int(details["household_id"])
        if household_id not in versions:
            raise RowError(f"base_version is missing and household {household_id} is not in "
                           "the package")
        details["base_version"] = versions[household_id]
    details = to_json(from_json(kind, details))
    submit = entry.get("submit", False)
    if not isinstance(submit, bool):
        submit = flag(str(submit), "submit")
    from_report = entry.get("from_report")
    return ProposalItem(ref=ref, id=canonical_id(str(entry["id"]), "id"), kind=kind,
                        details=details, musdes=entry.get("musdes"), note=entry.get("note"),
                        submit=submit,
                        from_report=canonical_id(str(from_report), "from_report")
                        if from_report else None)


def _action(ref: RowRef, entry: dict[str, Any]) -> ReportActionItem:
    return report_action_item(Row(ref, entry))


def _attachment(entry: dict[str, Any]) -> AttachmentItem:
    try:
        content = base64.b64decode(entry["content_base64"], validate=True)
        item = AttachmentItem(content, entry["media_type"], entry.get("filename"))
    except (KeyError, TypeError, binascii.Error, ValueError) as exc:
        raise PackageError(f"an attachment of the package is unreadable ({exc})") from None
    if entry.get("sha256") not in (None, sha256_of(content)):
        raise PackageError(f"attachment {entry.get('sha256')} does not match its content")
    return item


# --- edits made offline by ``siks offline`` -----------------------------------------------

def add_proposal(document: dict[str, Any], item: ProposalItem) -> None:
    entries = document.setdefault("work", {}).setdefault("proposals", [])
    if any(e.get("id") == item.id for e in entries):
        raise InvalidInput(f"the package already has a proposal {item.id}", reason="duplicate",
                           field="id")
    entries.append({"id": item.id, "kind": item.kind.value, "details": item.details,
                    "musdes": item.musdes, "note": item.note, "submit": item.submit,
                    "from_report": item.from_report})


def add_report_action(document: dict[str, Any], item: ReportActionItem) -> None:
    entries = document.setdefault("work", {}).setdefault("report_actions", [])
    entries[:] = [e for e in entries if e.get("report_id") != item.report_id]  # last one wins
    entries.append({"report_id": item.report_id, "action": item.action.value,
                    "reason": item.reason})


def add_attachment(document: dict[str, Any], content: bytes, media_type: str,
                   filename: str | None) -> str:
    """Carry a file (the Musdes minutes) inside the package; returns its SHA-256."""
    check_content(content, media_type)
    sha = sha256_of(content)
    entries = document.setdefault("attachments", [])
    if not any(e.get("sha256") == sha for e in entries):
        entries.append({"sha256": sha, "media_type": media_type, "filename": filename,
                        "content_base64": base64.b64encode(content).decode("ascii")})
    return sha
