"""Security review (issue 16) item 15: one table of error codes (docs/node-api.md, "Error
codes"), and every code the source raises is in it: the ``code`` of every error class, every
``extensions`` code written by hand, every code of an HTTP refusal (``error_response``), and
the codes given to parse and validation refusals."""

from __future__ import annotations

import re
from pathlib import Path

from service_kit import graphql_errors, graphql_http

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("schema", "regional_node", "gateway", "siks", "certs", "sandbox_registry")
TABLE = ROOT / "docs" / "node-api.md"
RAISED = (
    re.compile(r'^\s+code = "([A-Z][A-Z_]+)"', re.MULTILINE),  # class attribute of an error
    re.compile(r'extensions"?\s*[=:]\s*\{\s*"code":\s*"([A-Z][A-Z_]+)"'),  # by hand
    re.compile(r'error_response\(\s*\d+,\s*"([A-Z][A-Z_]+)"'),  # an HTTP refusal
)


def documented() -> list[str]:
    text = TABLE.read_text("utf-8")
    table = text.split("<!-- error-codes:begin -->")[1].split("<!-- error-codes:end -->")[0]
    return re.findall(r"^\| `([A-Z][A-Z_]+)` \|", table, re.MULTILINE)


def raised() -> dict[str, str]:
    """code → the first file raising it."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            text = path.read_text("utf-8")
            for pattern in RAISED:
                for code in pattern.findall(text):
                    found.setdefault(code, str(path.relative_to(ROOT)))
    for code in (graphql_errors.PARSE_FAILED, graphql_errors.VALIDATION_FAILED,
                 graphql_errors.TOO_COMPLEX, graphql_http.BAD_REQUEST):
        found.setdefault(code, "service_kit/graphql_errors.py")
    return found


def test_the_scan_finds_what_it_looks_for():
    found = raised()
    for code in ("OUT_OF_SCOPE", "FORBIDDEN_FIELD", "AUDIT_UNAVAILABLE", "RATE_LIMITED",
                 "UNSUPPORTED_MEDIA_TYPE", "GRAPHQL_PARSE_FAILED", "NODE_ERROR", "CERT_REVOKED"):
        assert code in found, code


def test_every_code_raised_is_in_the_one_table():
    missing = {code: where for code, where in raised().items() if code not in documented()}
    assert missing == {}, f"add to {TABLE.name}'s error codes: {missing}"


def test_each_code_has_one_row():
    codes = documented()
    assert len(codes) == len(set(codes)) and len(codes) > 50
