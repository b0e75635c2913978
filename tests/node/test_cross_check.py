"""``crossCheck`` at the node, on SQLite and PostgreSQL: a partner's batch of NIKs against the
node's rows (registered, desil band, the person's and the household's programs), its read
audit (one entry per batch naming every NIK, verifiable), and every role: partner ministries
and Kemensos only — the reference role of the policy matrix (Dinas Sosial) may not, so the types are
checked here for every role rather than in the matrix."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from regional_node.adapters.orm import AuditEntry, AuditNikLookup
from regional_node.domain.audit import digest
from regional_node.domain.nik_lookups import batch_digest
from regional_node.domain.records import ProgramRecord
from regional_node.service_layer.audit import verify_audit_chain
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
        entries = (await session.execute(select(
            AuditEntry.seq, AuditEntry.actor, AuditEntry.entity_id, AuditEntry.after_digest
        ).where(AuditEntry.action == "read.nik_lookups"))).all()
        rows = (await session.execute(select(
            AuditNikLookup.entry_seq, AuditNikLookup.masked_nik, AuditNikLookup.nik_digest
        ).order_by(AuditNikLookup.position))).all()
    assert len(entries) == 1  # one entry for the batch, its NIKs in audit_nik_lookup
    seq, actor, count, after = entries[0]
    assert (actor, count) == ("user:mitra-kementan", "2")
    assert [tuple(r) for r in rows] == [(seq, n[:4] + "********" + n[-4:], digest({"nik": n}))
                                        for n in batch]
    assert after == batch_digest([(masked, nik_digest) for _, masked, nik_digest in rows])
    assert (await verify_audit_chain(node_database)).ok


async def _tamper(database, *statements: str) -> None:  # type: ignore[no-untyped-def]
    lift = (["DROP TRIGGER audit_nik_lookup_no_update", "DROP TRIGGER audit_nik_lookup_no_delete"]
            if database.dialect == "sqlite"
            else ["ALTER TABLE audit_nik_lookup DISABLE TRIGGER audit_nik_lookup_append_only"])
    async with database.writer() as session, session.begin():
        for statement in [*lift, *statements]:
            await session.execute(text(statement))


@pytest.mark.parametrize("statement", [
    "UPDATE audit_nik_lookup SET nik_digest = 'x' WHERE position = 1",
    "DELETE FROM audit_nik_lookup WHERE position = 0",
    "INSERT INTO audit_nik_lookup (entry_seq, position, masked_nik, nik_digest) "
    "SELECT entry_seq, 2, masked_nik, nik_digest FROM audit_nik_lookup WHERE position = 0",
    "INSERT INTO audit_nik_lookup (entry_seq, position, masked_nik, nik_digest) "
    "SELECT 1, 0, masked_nik, nik_digest FROM audit_nik_lookup WHERE position = 0",
])
async def test_a_batch_altered_afterwards_breaks_the_chain(
        node_client, node_database, statement: str) -> None:  # type: ignore[no-untyped-def]
    niks = await _seeded(node_database)
    await gql(node_client, QUERY, principal=MITRA, niks=[niks["head"], UNKNOWN])
    with pytest.raises(DBAPIError, match="append-only"):  # the database refuses first
        async with node_database.writer() as session, session.begin():
            await session.execute(text("DELETE FROM audit_nik_lookup"))
    await _tamper(node_database, statement)
    report = await verify_audit_chain(node_database)
    assert report.first_break is not None and report.first_break.reason == "altered"


async def test_registered_only_leaves_out_what_is_not_registered_here(
        node_client, node_database) -> None:  # type: ignore[no-untyped-def]
    niks = await _seeded(node_database)
    batch = [niks["child"], UNKNOWN, niks["head"], niks["dead"], niks["gone"]]
    only = QUERY.replace("crossCheck(niks: $niks)", "crossCheck(niks: $niks, registeredOnly: true)")
    body = await gql(node_client, only, principal=MITRA, niks=batch)
    assert [r["nik"] for r in body["data"]["crossCheck"]] == [niks["child"], niks["head"]]
    async with node_database.reader() as session:  # every NIK sent is audited all the same
        audited = (await session.execute(select(AuditNikLookup.masked_nik))).scalars().all()
    assert len(audited) == len(batch)


async def test_a_bad_batch_is_refused(node_client) -> None:  # type: ignore[no-untyped-def]
    too_many = await gql(node_client, QUERY, principal=MITRA, niks=[UNKNOWN] * 1001)
    assert too_many["errors"][0]["extensions"] == {"code": "INVALID_INPUT",
                                                   "reason": "too_many", "field": "niks"}
    bad = await gql(node_client, QUERY, principal=MITRA, niks=[UNKNOWN, "32730"])
    assert bad["errors"][0]["extensions"]["field"] == "niks[1]"
    assert error_codes(bad) == ["INVALID_NIK"]
