"""Check DCI messages against the hand-copied subset of the spec in ``dci/``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent / "dci"


@cache
def subset() -> dict[str, Any]:
    return json.loads((HERE / "sync-search-subset.json").read_text(encoding="utf-8"))


def example_request() -> dict[str, Any]:
    return json.loads((HERE / "search-request-example.json").read_text(encoding="utf-8"))


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "date-time":
        if not isinstance(value, str):
            return False
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
        return parsed.tzinfo is not None  # the spec's DateTime includes the timezone
    expected = {"string": str, "integer": int, "boolean": bool, "array": list,
                "object": dict}[kind]
    if kind == "integer" and isinstance(value, bool):
        return False
    return isinstance(value, expected)


def _check(obj: Any, rules: Mapping[str, Any], where: str) -> list[str]:
    if not isinstance(obj, Mapping):
        return [f"{where}: not an object"]
    problems = [f"{where}.{name}: required" for name in rules.get("required", [])
                if name not in obj]
    for name, kind in rules.get("types", {}).items():
        if name in obj and not _type_ok(obj[name], kind):
            problems.append(f"{where}.{name}: not {kind} ({obj[name]!r})")
    for name, allowed in rules.get("enums", {}).items():
        if name in obj and obj[name] not in allowed:
            problems.append(f"{where}.{name}: {obj[name]!r} not in {allowed}")
    for name, limit in rules.get("max_length", {}).items():
        if isinstance(obj.get(name), str) and len(obj[name]) > limit:
            problems.append(f"{where}.{name}: longer than {limit}")
    return problems


def request_problems(envelope: Any) -> list[str]:
    rules = subset()["request"]
    problems = _check(envelope, rules, "envelope")
    if problems:
        return problems
    problems += _check(envelope["header"], rules["header"], "header")
    problems += _check(envelope["message"], rules["message"], "message")
    item_rules = rules["message"]["item"]
    for n, item in enumerate(envelope["message"].get("search_request") or []):
        problems += _check(item, item_rules, f"search_request[{n}]")
        criteria = item.get("search_criteria") if isinstance(item, Mapping) else None
        problems += _check(criteria, item_rules["search_criteria"],
                           f"search_request[{n}].search_criteria")
        if isinstance(criteria, Mapping) and criteria.get("query_type") == "idtype-value":
            allowed = set(item_rules["search_criteria"]["idtype_value_query"]["properties"])
            query = criteria.get("query")
            if not isinstance(query, Mapping) or not set(query) <= allowed:
                problems.append(f"search_request[{n}].search_criteria.query: not "
                                f"IdentifierTypeValue ({query!r})")
    return problems


def response_problems(body: Any) -> list[str]:
    rules = subset()["response"]
    problems = _check(body, rules, "envelope")
    if problems:
        return problems
    problems += _check(body["header"], rules["header"], "header")
    problems += _check(body.get("message"), rules["message"], "message")
    item_rules = rules["message"]["item"]
    for n, item in enumerate((body.get("message") or {}).get("search_response") or []):
        problems += _check(item, item_rules, f"search_response[{n}]")
        if isinstance(item, Mapping) and "data" in item:
            problems += _check(item["data"], item_rules["data"], f"search_response[{n}].data")
        if isinstance(item, Mapping) and "pagination" in item:
            problems += _check(item["pagination"], item_rules["pagination"],
                               f"search_response[{n}].pagination")
    return problems


def error_problems(body: Any) -> list[str]:
    rules = subset()["error"]
    errors = body.get("errors") if isinstance(body, Mapping) else None
    if not isinstance(errors, list) or not errors:
        return ["errors: required, a non-empty array"]
    problems = []
    for n, error in enumerate(errors):
        if not isinstance(error, Mapping) or set(error) != set(rules["item_properties"]):
            problems.append(f"errors[{n}]: needs exactly code and message")
        elif error["code"] not in rules["codes"]:
            problems.append(f"errors[{n}].code: {error['code']!r} is not a spec error code")
    return problems
