"""``benefitCounts`` at the node, on SQLite and PostgreSQL: what the DIPA is computed from
(docs/dipa.md), for Kemensos only — the one type of the node's schema whose reference role
is not Dinas Sosial, so it is checked here for every role rather than in the policy matrix."""

from __future__ import annotations

import pytest

from schema.policy import ROLES, Access, access
from schema.roles import Principal, Role
from tests.dipa_households import seeded
from tests.node.helpers import error_codes, gql, store

QUERY = """{ benefitCounts(period: "2026-S1") { program period component households persons } }"""
KEMENSOS = Principal("user:kemensos", Role.KEMENSOS)


async def test_kemensos_reads_the_counts(node_client, node_database) -> None:  # type: ignore[no-untyped-def]
    await store(node_database, seeded())
    body = await gql(node_client, QUERY, principal=KEMENSOS)
    assert "errors" not in body, body
    counts = {(r["program"], r["component"]): (r["households"], r["persons"])
              for r in body["data"]["benefitCounts"]}
    assert counts == {
        ("PKH", None): (1, 5), ("PKH", "SD"): (1, 1), ("PKH", "ANAK_USIA_DINI"): (1, 1),
        ("PKH", "LANJUT_USIA"): (1, 1),
        # 902's head is unchecked (suspended), 903 is PROPOSED: only 901 and 905 (no proposal)
        ("BPNT", None): (2, 6), ("BPNT", "SD"): (1, 1), ("BPNT", "ANAK_USIA_DINI"): (1, 1),
        ("BPNT", "LANJUT_USIA"): (1, 1),
        ("PBI_JK", None): (1, 2)}
    assert {r["period"] for r in body["data"]["benefitCounts"]} == {"2026-S1"}


async def test_a_bad_period_is_refused(node_client) -> None:  # type: ignore[no-untyped-def]
    body = await gql(node_client, '{ benefitCounts(period: "2026") { program } }',
                     principal=KEMENSOS)
    assert error_codes(body) == ["INVALID_INPUT"]
    assert "YYYY-S1" in body["errors"][0]["message"]


@pytest.mark.parametrize("role", [r for r in ROLES if r is not Role.KEMENSOS])
async def test_every_other_role_is_refused(node_client, node_database, role: Role) -> None:  # type: ignore[no-untyped-def]
    assert access(role, "Query", "benefitCounts") is Access.DENIED
    principal = None if role is Role.PUBLIC else Principal(
        f"user:{role.value.lower()}", role, "32.73.01.1001" if role in (
            Role.OPERATOR_DESA, Role.PENDAMPING, Role.DINSOS) else None,
        programs=("PKH",) if role is Role.MITRA else ())
    body = await gql(node_client, QUERY, principal=principal)
    assert body["data"] == {"benefitCounts": None}
    assert error_codes(body) == ["FORBIDDEN_FIELD"]
