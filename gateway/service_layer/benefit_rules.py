"""The double-benefit rule table as a file (docs/partners.md): read, checked, printed.

A file is ``{"rules": [{program, excludes, scope, legal_basis}]}``: ``program`` excludes
``excludes`` for the same person or household (``scope``); at least one side is a Kemensos
program (a rule between two partner programs is the partners' business, the nodes know
neither). The first problem stops the file, named by rule and field in one line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from gateway.errors import RulesError
from schema.benefit_rules import PROGRAM_CODE, ExclusionRule, RuleScope, is_kemensos

SEED = "benefit_rules.json"


def seed_text() -> str:
    return resources.files("gateway").joinpath("data", SEED).read_text("utf-8")


def seed_rules() -> list[ExclusionRule]:
    return parse_rules(seed_text(), SEED)


def read_rules(path: Path) -> list[ExclusionRule]:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise RulesError(f"{path}: tidak dapat dibaca / cannot be read "
                         f"({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise RulesError(f"{path}: bukan teks UTF-8 / not UTF-8 text") from None
    return parse_rules(text, str(path))


def parse_rules(text: str, name: str) -> list[ExclusionRule]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RulesError(f"{name}: bukan JSON (baris {exc.lineno}) / not JSON (line "
                         f"{exc.lineno}): {exc.msg}") from None
    entries = document.get("rules") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise RulesError(f"{name}: harus berisi daftar \"rules\" yang tidak kosong / "
                         f"must hold a non-empty \"rules\" list")
    rules: list[ExclusionRule] = []
    seen: set[frozenset[str]] = set()
    for number, entry in enumerate(entries, start=1):
        rule = _rule(name, number, entry)
        pair = frozenset(rule.key)
        if pair in seen:
            raise RulesError(f"{name}: aturan {number}: {rule.program} x {rule.excludes} sudah "
                             f"ada / rule {number}: {rule.program} x {rule.excludes} is "
                             f"already given by an earlier rule")
        seen.add(pair)
        rules.append(rule)
    return rules


def _rule(name: str, number: int, entry: Any) -> ExclusionRule:
    def fail(field: str, problem_id: str, problem_en: str) -> RulesError:
        return RulesError(f"{name}: aturan {number}, {field}: {problem_id} / rule {number}, "
                          f"{field}: {problem_en}")

    if not isinstance(entry, Mapping):
        raise fail("-", "harus berupa objek", "must be an object")
    programs = []
    for field in ("program", "excludes"):
        value = entry.get(field)
        if not isinstance(value, str) or not PROGRAM_CODE.match(value):
            raise fail(field, f"{value!r} bukan kode program (HURUF_BESAR)",
                       f"{value!r} is not a program code (UPPER_CASE, e.g. PKH, KEMENAG_PIP)")
        programs.append(value)
    if programs[0] == programs[1]:
        raise fail("excludes", "program tidak dapat mengecualikan dirinya sendiri",
                   "a program cannot exclude itself")
    if not any(is_kemensos(p) for p in programs):
        raise fail("program", "salah satu harus program Kemensos",
                   "one side must be a Kemensos program (PKH, BPNT, PBI_JK, BLT, PIP, "
                   "RUTILAHU)")
    scope = entry.get("scope")
    if scope not in {s.value for s in RuleScope}:
        raise fail("scope", f"{scope!r} tidak dikenal", f"unknown {scope!r} (PERSON or "
                                                        "HOUSEHOLD)")
    basis = entry.get("legal_basis")
    if not isinstance(basis, str) or not basis.strip():
        raise fail("legal_basis", "dasar hukum wajib diisi", "the legal basis is required")
    return ExclusionRule(programs[0], programs[1], RuleScope(scope), basis.strip())


def to_json(rules: Iterable[ExclusionRule]) -> str:
    entries = [{"program": r.program, "excludes": r.excludes, "scope": r.scope.value,
                "legal_basis": r.legal_basis} for r in rules]
    return json.dumps({"rules": entries}, ensure_ascii=False, indent=2) + "\n"
