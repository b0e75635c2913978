"""The registry side of DCI ``/registry/sync/search``: read a request, write the answer.

Choices where the spec (registry_core_api v1.0.0) leaves room, documented in docs/dukcapil.md:

- ``query_type`` ``idtype-value`` only, with ``query.type`` ``NIK`` (``UIN`` accepted as the
  same thing); any other criteria is an item-level ``rjct`` / ``rjct.search_criteria.invalid``.
- ``reg_records`` is always an array; a NIK the registry does not know is ``succ`` with an
  empty array (the spec has no "not found" reason code; a search that finds nothing succeeded).
- A record follows the spec's example ``CRVS_Person``: ``identifier`` (NIK and KK),
  ``name`` (``given_name`` holds the full name: Indonesian names have no legal surname),
  ``sex``, ``birth_date``, ``death_date`` (ISO dates; empty when alive).
- ``total_count`` may arrive as an integer or a numeric string (the spec's examples send
  strings); it must equal the number of items.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sandbox_registry.store import SandboxResident

DCI_VERSION = "1.0.0"
SENDER_ID = "dukcapil-sandbox"
REG_TYPE = "ns:org:RegistryType:Civil"
REG_RECORD_TYPE = "spdci-extensions-dci:Person"
NIK_TYPES = frozenset({"NIK", "UIN"})
HEADER_REQUIRED = ("message_id", "message_ts", "action", "sender_id", "total_count")
ITEM_REQUIRED = ("reference_id", "timestamp", "search_criteria")


class BadEnvelope(Exception):
    """The whole message is unusable: HTTP 400 with a DCI error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class SearchItem:
    reference_id: str
    nik: str | None  # None: the criteria are not a NIK lookup
    problem: tuple[str, str] | None = None  # (status_reason_code, message)


@dataclass(frozen=True, slots=True)
class SearchRequest:
    header: Mapping[str, Any]
    transaction_id: str
    items: list[SearchItem]


def read_search_request(body: Any, *, max_items: int) -> SearchRequest:
    if not isinstance(body, Mapping):
        raise BadEnvelope("err.request.bad", "the body must be a JSON object")
    header, message = body.get("header"), body.get("message")
    if not isinstance(header, Mapping) or not isinstance(message, Mapping):
        raise BadEnvelope("err.request.bad", "header and message are required")
    missing = [f for f in HEADER_REQUIRED if header.get(f) in (None, "")]
    if missing:
        raise BadEnvelope("err.request.bad", f"header lacks {', '.join(missing)}")
    if header["action"] != "search":
        raise BadEnvelope("err.request.bad", "rjct.action.invalid: action must be 'search'")
    version = header.get("version", DCI_VERSION)
    if version != DCI_VERSION:
        raise BadEnvelope("err.version.not_supported", f"version {version} is not supported")
    if header.get("is_msg_encrypted"):
        raise BadEnvelope("err.encryption.invalid", "encrypted messages are not supported")
    requests = message.get("search_request")
    if "transaction_id" not in message or not isinstance(requests, list):
        raise BadEnvelope("err.request.bad", "message needs transaction_id and search_request")
    try:
        total = int(header["total_count"])
    except (TypeError, ValueError):
        raise BadEnvelope("err.request.bad", "rjct.total_count.invalid: not a number") from None
    if total != len(requests):
        raise BadEnvelope("err.request.bad", f"rjct.total_count.invalid: total_count {total} "
                                             f"but {len(requests)} search_request items")
    if total > max_items:
        raise BadEnvelope("err.request.bad", f"rjct.total_count.limit_exceeded: at most "
                                             f"{max_items} items per request")
    items, seen = [], set()
    for raw in requests:
        item = _read_item(raw)
        if item.reference_id in seen:
            item = SearchItem(item.reference_id, None,
                              ("rjct.reference_id.duplicate", "reference_id repeats"))
        seen.add(item.reference_id)
        items.append(item)
    return SearchRequest(header, str(message["transaction_id"]), items)


def _read_item(raw: Any) -> SearchItem:
    if not isinstance(raw, Mapping):
        return SearchItem("", None, ("rjct.search_criteria.invalid", "item is not an object"))
    reference = str(raw.get("reference_id") or "")
    if not reference:
        return SearchItem("", None, ("rjct.reference_id.invalid", "reference_id is required"))
    missing = [f for f in ITEM_REQUIRED if not raw.get(f)]
    if missing:
        return SearchItem(reference, None,
                          ("rjct.search_criteria.invalid", f"item lacks {', '.join(missing)}"))
    criteria = raw["search_criteria"]
    query = criteria.get("query") if isinstance(criteria, Mapping) else None
    if (not isinstance(criteria, Mapping) or criteria.get("query_type") != "idtype-value"
            or not isinstance(query, Mapping)):
        return SearchItem(reference, None, ("rjct.search_criteria.invalid",
                                            "only query_type idtype-value is supported"))
    if query.get("type") not in NIK_TYPES:
        return SearchItem(reference, None, ("rjct.search_criteria.invalid",
                                            f"identifier type {query.get('type')!r} is not "
                                            "supported (use NIK)"))
    value = query.get("value")
    if not isinstance(value, str) or len(value) != 16 or not value.isdigit():
        return SearchItem(reference, None, ("rjct.search_criteria.invalid",
                                            "a NIK is 16 digits"))
    return SearchItem(reference, value)


def search_response(request: SearchRequest, found: Mapping[str, SandboxResident]
                    ) -> dict[str, Any]:
    now = timestamp()
    answers = [_answer(item, found, now) for item in request.items]
    header = {
        "version": DCI_VERSION, "message_id": str(uuid.uuid4()), "message_ts": now,
        "action": "on-search", "status": "succ", "total_count": len(answers),
        "completed_count": len(answers), "sender_id": SENDER_ID,
        "receiver_id": str(request.header.get("sender_id", "")), "is_msg_encrypted": False,
    }
    message = {"transaction_id": request.transaction_id, "correlation_id": str(uuid.uuid4()),
               "search_response": answers}
    return {"header": header, "message": message}


def _answer(item: SearchItem, found: Mapping[str, SandboxResident], now: str) -> dict[str, Any]:
    if item.problem is not None or item.nik is None:
        code, text = item.problem or ("rjct.search_criteria.invalid", "not a NIK lookup")
        return {"reference_id": item.reference_id, "timestamp": now, "status": "rjct",
                "status_reason_code": code, "status_reason_message": text}
    resident = found.get(item.nik)
    records = [person_record(resident)] if resident is not None else []
    return {
        "reference_id": item.reference_id, "timestamp": now, "status": "succ",
        "data": {"version": DCI_VERSION, "reg_type": REG_TYPE,
                 "reg_record_type": REG_RECORD_TYPE, "reg_records": records},
        "pagination": {"page_size": 1, "page_number": 1, "total_count": len(records)},
    }


def person_record(resident: SandboxResident) -> dict[str, Any]:
    identifiers = [{"identifier_type": "NIK", "identifier_value": resident.nik}]
    if resident.kk_number:
        identifiers.append({"identifier_type": "KK", "identifier_value": resident.kk_number})
    return {
        "@type": "CRVS_Person",
        "identifier": identifiers,
        "name": {"given_name": resident.name, "surname": ""},
        "sex": resident.sex,
        "birth_date": resident.birth_date.isoformat(),
        "death_date": resident.death_date.isoformat() if resident.death_date else "",
    }


def error_body(code: str, message: str) -> dict[str, Any]:
    """The spec's ``HttpErrorResponse``."""
    return {"errors": [{"code": code, "message": message}]}


def timestamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
