"""``benefitOverlaps`` at the node, on SQLite and PostgreSQL: per double-benefit rule the
gateway sends (docs/partners.md), the households or persons here receiving both programs;
Kemensos only — checked here for every role rather than in the policy matrix."""

from __future__ import annotations

import datetime as dt

import pytest

from regional_node.domain.records import ProgramRecord
from schema.enums import Program
from schema.policy import ROLES, Access, access
from schema.roles import Principal, Role
from tests import factories
from tests.node.helpers import error_codes, gql, store

QUERY = """query($rules: [BenefitRuleInput!]!) { benefitOverlaps(rules: $rules) {
    regionCode program excludes scope count } }"""
RULES = [{"program": "BLT", "excludes": "PKH", "scope": "HOUSEHOLD"},
         {"program": "PIP", "excludes": "PKH", "scope": "PERSON"},
         {"program": "PIP", "excludes": "BPNT", "scope": "HOUSEHOLD"}]
KEMENSOS = Principal("user:kemensos", Role.KEMENSOS)


async def test_kemensos_counts_the_overlaps(node_client, node_database) -> None:  # type: ignore[no-untyped-def]
    family = factories.household(members=4, programs=(Program.PKH, Program.BLT))
    family.members[3].alive = False  # a deceased pupil is not counted
    for pupil in family.members[2:]:
        family.programs.append(ProgramRecord(Program.PIP, "2026-S1", dt.date(2026, 1, 1),
                                             member_nik=pupil.nik))
    other = factories.household(members=2, programs=(Program.BPNT,))
    other.programs.append(ProgramRecord(Program.PIP, "2026-S1", dt.date(2026, 1, 1),
                                        member_nik=other.members[1].nik))
    await store(node_database, [family, other])
    body = await gql(node_client, QUERY, principal=KEMENSOS, rules=RULES)
    assert "errors" not in body, body
    assert [(r["regionCode"], r["program"], r["excludes"], r["scope"], r["count"])
            for r in body["data"]["benefitOverlaps"]] == [
        ("32.73", "BLT", "PKH", "HOUSEHOLD", 1),
        ("32.73", "PIP", "PKH", "PERSON", 1),  # the living pupil, not the parents
        ("32.73", "PIP", "BPNT", "HOUSEHOLD", 1)]  # a member's PIP, the household's BPNT


async def test_a_partner_program_is_refused(node_client) -> None:  # type: ignore[no-untyped-def]
    body = await gql(node_client, QUERY, principal=KEMENSOS, rules=[
        {"program": "KEMENAG_PIP", "excludes": "PIP", "scope": "PERSON"}])
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "INVALID_INPUT", "reason": "program", "field": "rules[0].program"}]


@pytest.mark.parametrize("role", [r for r in ROLES if r is not Role.KEMENSOS])
async def test_every_other_role_is_refused(node_client, role: Role) -> None:  # type: ignore[no-untyped-def]
    assert access(role, "Query", "benefitOverlaps") is Access.DENIED
    principal = None if role is Role.PUBLIC else Principal(
        f"user:{role.value.lower()}", role, "32.73.01.1001" if role in (
            Role.OPERATOR_DESA, Role.PENDAMPING, Role.DINSOS) else None,
        programs=("PKH",) if role is Role.MITRA else ())
    body = await gql(node_client, QUERY, principal=principal, rules=RULES)
    assert body["data"] == {"benefitOverlaps": None}
    assert error_codes(body) == ["FORBIDDEN_FIELD"]
