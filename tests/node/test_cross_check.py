"""``crossCheck`` at the node, on SQLite and PostgreSQL: a partner's batch of NIKs against the
node's rows (registered, desil band, the person's and the household's programs), its read
audit (every NIK, as a ``person`` lookup), and every role: partner ministries and Kemensos
only — the reference role of the policy matrix (Dinas Sosial) may not, so the types are
checked here for every role rather than in the matrix."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from regional_node.adapters.orm import AuditEntry
from regional_node.domain.records import ProgramRecord
from schema.enums import HouseholdStatus, Program
from schema.identity_numbers import Sex, make_nik
from schema.policy import ROLES, Access, access
from schema.roles import Principal, Role
from tests import factories
from tests.node.helpers import error_codes, gql, store

QUERY = """query($niks: [String!]!) { crossCheck(niks: $niks) {
    nik registered desilBand programs { program period level } } }"""
MITRA = Principal("user:mitra-kementan", Role.MITRA, programs=("PKH",))
UNKNOWN = make_nik("32.73.01", dt.date(1977, 7, 7), Sex.FEMALE, 9876)


def _principal(role: Role) -> Principal | None:
    if role is Role.PUBLIC:
        return None
    scoped = role in (Role.OPERATOR_DESA, Role.PENDAMPING, Role.DINSOS)
    return Principal(f"user:{role.value.lower()}", role, "32.73.01.1001" if scoped else None,
                     programs=("PKH",) if role is Role.MITRA else ())


async def _seeded(database) -> dict[str, str]:  # type: ignore[no-untyped-def]
    family = factories.household(members=3, desil=1, programs=(Program.PKH,))
    child = family.members[2]
    family.programs.append(ProgramRecord(Program.PIP, "2026-S1", dt.date(2026, 1, 1),
                                         member_nik=child.nik))
    family.members[1].alive = False
    gone = factories.household(status=HouseholdStatus.INACTIVE, programs=(Program.BPNT,))
    await store(database, [family, gone])
    return {"head": family.members[0].nik, "dead": family.members[1].nik, "child": child.nik,
            "gone": gone.members[0].nik}


@pytest.mark.parametrize("role", ROLES)
async def test_partners_and_kemensos_check_every_other_role_is_refused(
        node_client, node_database, role: Role) -> None:  # type: ignore[no-untyped-def]
    niks = await _seeded(node_database)
    batch = [niks["child"], UNKNOWN, niks["head"], niks["dead"], niks["gone"]]
    body = await gql(node_client, QUERY, principal=_principal(role), niks=batch)
    if access(role, "Query", "crossCheck") is Access.DENIED:
        assert body["data"] == {"crossCheck": None}
        assert error_codes(body) == ["FORBIDDEN_FIELD"]
        return
    assert "errors" not in body, body
    pkh = {"program": "PKH", "period": "2026-S1", "level": "HOUSEHOLD"}
    none = {"registered": False, "desilBand": None, "programs": []}
    assert body["data"]["crossCheck"] == [
        {"nik": niks["child"], "registered": True, "desilBand": "DESIL_1_2",
         "programs": [pkh, {"program": "PIP", "period": "2026-S1", "level": "PERSON"}]},
        {"nik": UNKNOWN, **none},
        {"nik": niks["head"], "registered": True, "desilBand": "DESIL_1_2", "programs": [pkh]},
        {"nik": niks["dead"], **none},  # died: no longer registered
        {"nik": niks["gone"], **none}]  # an inactive household: no longer registered
    assert "Budi" not in json.dumps(body) and "Jl." not in json.dumps(body)


async def test_every_nik_looked_up_is_audited(node_client, node_database) -> None:  # type: ignore[no-untyped-def]
    niks = await _seeded(node_database)
    batch = [niks["head"], UNKNOWN]
    await gql(node_client, QUERY, principal=MITRA, niks=batch)
    async with node_database.reader() as session:
        lookups = (await session.execute(select(AuditEntry.actor, AuditEntry.entity_id).where(
            AuditEntry.action == "read.nik_lookup").order_by(AuditEntry.seq))).all()
    assert [tuple(row) for row in lookups] == [
        ("user:mitra-kementan", n[:4] + "********" + n[-4:]) for n in batch]


async def test_a_bad_batch_is_refused(node_client) -> None:  # type: ignore[no-untyped-def]
    too_many = await gql(node_client, QUERY, principal=MITRA, niks=[UNKNOWN] * 1001)
    assert too_many["errors"][0]["extensions"] == {"code": "INVALID_INPUT",
                                                   "reason": "too_many", "field": "niks"}
    bad = await gql(node_client, QUERY, principal=MITRA, niks=[UNKNOWN, "32730"])
    assert bad["errors"][0]["extensions"]["field"] == "niks[1]"
    assert error_codes(bad) == ["INVALID_NIK"]
