"""A partner ministry's batch cross-check through the gateway, with real node apps over mutual
TLS: per NIK, registered in DTKS or not, a desil band, the programs the person (PIP) or the
household (PKH) receives, in the order sent; each node asked once per batch; one audit entry
per batch binding the list; never a name, an address or a birth date."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select

from gateway.adapters.orm import GatewayAuditEntry, GatewayReadRecord
from gateway.entrypoints.app import SERVICES, refresh_snapshots
from gateway.inbox.audit import reads_digest
from regional_node.domain.records import ProgramRecord
from schema.enums import HouseholdStatus, Program
from schema.identity_numbers import Sex, make_nik
from schema.roles import Principal, Role
from tests import factories
from tests.gateway.cluster import NodeCluster
from tests.gateway.identity_helpers import DINSOS_BANDUNG, gql_as, secure_gateway
from tests.node.helpers import store

KEMENTAN = Principal("user:mitra-kementan", Role.MITRA, programs=("PKH",))
CHECK = """query($niks: [String!]!) { crossCheck(niks: $niks) {
    nik registered desilBand programs { program period level } } }"""
UNKNOWN = make_nik("32.73.01", dt.date(1977, 7, 7), Sex.FEMALE, 9876)


@pytest.fixture
async def partner_gateway(cluster: NodeCluster, dev_pki, tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    bandung = factories.household("32.73.01.1001", members=3, head_name="Siti Aminah",
                                  desil=3, programs=(Program.PKH,))
    pupil = bandung.members[2]
    bandung.programs.append(ProgramRecord(Program.PIP, "2026-S1", dt.date(2026, 1, 1),
                                          member_nik=pupil.nik))
    moved = factories.household("32.73.01.1002", head_name="Pindah Saja",
                                status=HouseholdStatus.INACTIVE, programs=(Program.BPNT,))
    surabaya = factories.household("35.78.01.1001", head_name="Suroboyo", desil=8,
                                   programs=(Program.BPNT,))
    await store(cluster.nodes["32.73"].database, [bandung, moved])
    await store(cluster.nodes["35.78"].database, [surabaya], "35.78")
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    return client, {"head": bandung.members[0], "pupil": pupil, "moved": moved.members[0],
                    "surabaya": surabaya.members[0], "records": [bandung, moved, surabaya]}


def _asked(cluster: NodeCluster, before: dict[str, int]) -> dict[str, int]:
    return {r: n - before.get(r, 0) for r, n in cluster.requests.items()
            if n != before.get(r, 0)}


async def test_each_nik_checked_in_the_order_sent_each_node_asked_once(
        partner_gateway, cluster: NodeCluster) -> None:
    client, people = partner_gateway
    await refresh_snapshots(client.app[SERVICES])  # the directory places the known NIKs
    niks = [people["surabaya"].nik, people["pupil"].nik, UNKNOWN, people["head"].nik,
            people["moved"].nik, people["pupil"].nik]
    before = dict(cluster.requests)
    body = await gql_as(client, CHECK, KEMENTAN, niks=niks)
    assert "errors" not in body, body
    pkh = {"program": "PKH", "period": "2026-S1", "level": "HOUSEHOLD"}
    pupil = {"nik": people["pupil"].nik, "registered": True, "desilBand": "DESIL_3_4",
             "programs": [pkh, {"program": "PIP", "period": "2026-S1", "level": "PERSON"}]}
    assert body["data"]["crossCheck"] == [
        {"nik": people["surabaya"].nik, "registered": True, "desilBand": "DESIL_7_10",
         "programs": [{"program": "BPNT", "period": "2026-S1", "level": "HOUSEHOLD"}]},
        pupil,
        {"nik": UNKNOWN, "registered": False, "desilBand": None, "programs": []},
        {"nik": people["head"].nik, "registered": True, "desilBand": "DESIL_3_4",
         "programs": [pkh]},  # the head has no PIP: that is the pupil's own
        {"nik": people["moved"].nik, "registered": False, "desilBand": None, "programs": []},
        pupil]
    # a partner sees every program (finding overlaps is the point), not only its own
    assert _asked(cluster, before) == {"32.73": 1, "35.78": 1, "32.04": 1}  # UNKNOWN: all
    placed = dict(cluster.requests)
    await gql_as(client, CHECK, KEMENTAN, niks=niks[:2])
    assert _asked(cluster, placed) == {"32.73": 1, "35.78": 1}  # the directory placed both


async def test_a_partner_never_sees_a_name_an_address_or_a_birth_date(
        partner_gateway, cluster: NodeCluster) -> None:
    client, people = partner_gateway
    niks = [people["head"].nik, people["surabaya"].nik, people["moved"].nik]
    body = await gql_as(client, CHECK, KEMENTAN, niks=niks)
    text = json.dumps(body)
    for record in people["records"]:
        assert record.address not in text
        for member in record.members:
            assert member.name not in text and member.birth_date.isoformat() not in text
    asked = [doc for _, doc in cluster.documents if "crossCheck" in doc]
    assert len(asked) == 3  # each node once (the moved one's NIK is not placed: all asked)
    for doc in asked:  # what the nodes were asked for: nothing else of a person
        for word in ("name", "address", "birthDate", "kkNumber", "desil "):
            assert word not in doc, doc
    for field in ("name", "address", "birthDate", "household { address }"):
        refused = await gql_as(client, "query($n: [String!]!) { crossCheck(niks: $n) { "
                               f"nik {field} }} }}", KEMENTAN, n=niks)
        assert refused["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_one_audit_entry_per_batch_binds_the_list_without_the_niks(
        partner_gateway) -> None:
    client, people = partner_gateway
    niks = [people["head"].nik, UNKNOWN, people["surabaya"].nik]
    await gql_as(client, "query Kementan2026($niks: [String!]!) { crossCheck(niks: $niks) "
                 "{ registered } }", KEMENTAN, niks=niks)
    services = client.app[SERVICES]
    async with services.database.reader() as session:
        [entry] = (await session.execute(select(GatewayAuditEntry).where(
            GatewayAuditEntry.action == "read"))).scalars().all()
        rows = (await session.execute(select(GatewayReadRecord).where(
            GatewayReadRecord.entry_seq == entry.seq).order_by(GatewayReadRecord.position))
                ).scalars().all()
    assert (entry.actor, entry.role, entry.entity_id) == (
        "user:mitra-kementan", "MITRA", "Kementan2026")
    assert entry.detail is not None and entry.detail["reads"] == 3  # how many NIKs
    listed = [(r.kind, r.record_id, r.nik_key) for r in rows]
    assert listed == [("nik", n[:4] + "********" + n[-4:], services.directory_key.key_of(n))
                      for n in niks]
    assert entry.detail["readsDigest"] == reads_digest(listed)  # a digest of the list
    assert not any(n in str((entry.detail, entry.attachments, listed)) for n in niks)


async def test_a_node_that_is_down_leaves_its_niks_unknown(partner_gateway,
                                                           cluster: NodeCluster) -> None:
    client, people = partner_gateway
    await refresh_snapshots(client.app[SERVICES])
    await cluster.stop("35.78")
    body = await gql_as(client, CHECK, KEMENTAN,
                        niks=[people["head"].nik, people["surabaya"].nik, UNKNOWN])
    results = {r["nik"]: r["registered"] for r in body["data"]["crossCheck"]}
    assert results == {people["head"].nik: True, people["surabaya"].nik: None, UNKNOWN: None}
    assert [(e["extensions"]["code"], e["extensions"]["region"], e["path"])
            for e in body["errors"]] == [("NODE_UNAVAILABLE", "35.78", ["crossCheck"])]


@pytest.mark.parametrize(("niks", "expected"), [
    ([UNKNOWN] * 1001, {"code": "INVALID_INPUT", "reason": "too_many", "field": "niks"}),
    ([UNKNOWN, "3273"], {"code": "INVALID_NIK", "reason": "length", "field": "niks[1]"}),
])
async def test_a_bad_batch_is_refused_before_any_node_is_asked(
        partner_gateway, cluster: NodeCluster, niks: list[str], expected: dict[str, Any]
) -> None:
    client, _ = partner_gateway
    before = sum(cluster.requests.values())
    body = await gql_as(client, CHECK, KEMENTAN, niks=niks)
    assert body["data"] == {"crossCheck": None}
    assert [e["extensions"] for e in body["errors"]] == [expected]
    assert sum(cluster.requests.values()) == before


@pytest.mark.parametrize("principal", [None, DINSOS_BANDUNG], ids=["public", "dinsos"])
async def test_only_partners_and_kemensos_may_cross_check(partner_gateway, cluster,
                                                          principal) -> None:
    client, people = partner_gateway
    before = sum(cluster.requests.values())
    body = await gql_as(client, CHECK, principal, niks=[people["head"].nik])
    assert body["data"] == {"crossCheck": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN_FIELD"]
    assert sum(cluster.requests.values()) == before


async def test_a_full_batch_of_1000_niks_passes_every_limit(partner_gateway) -> None:
    """The gateway's and the nodes' cost, token and body limits let a whole batch through."""
    client, people = partner_gateway
    await refresh_snapshots(client.app[SERVICES])
    unknown = [make_nik("32.73.01", dt.date(1980, 1, 1) + dt.timedelta(days=i), Sex.MALE,
                        9000 + i % 900) for i in range(998)]
    niks = [people["head"].nik, *unknown, people["surabaya"].nik]
    body = await gql_as(client, CHECK, KEMENTAN, niks=niks)
    assert "errors" not in body, body["errors"]
    results = body["data"]["crossCheck"]
    assert [r["nik"] for r in results] == niks
    assert [r["registered"] for r in results] == [True, *[False] * 998, True]


async def test_the_double_benefit_rules_are_listed_per_nik(partner_gateway) -> None:
    """The packaged rules: KEMENAG_PIP x PIP for the same person (the pupil's own PIP, not
    the head's household), BLT x PKH for the same household (every member of a PKH family
    asked about BLT)."""
    client, people = partner_gateway
    niks = [people["pupil"].nik, people["head"].nik, UNKNOWN]
    query = """query($niks: [String!]!, $program: String) { crossCheck(niks: $niks,
        program: $program) { nik conflicts { program excludes scope } } }"""
    body = await gql_as(client, query, KEMENTAN, niks=niks, program="KEMENAG_PIP")
    assert [r["conflicts"] for r in body["data"]["crossCheck"]] == [
        [{"program": "KEMENAG_PIP", "excludes": "PIP", "scope": "PERSON"}], [], []]
    body = await gql_as(client, query, KEMENTAN, niks=niks, program="BLT")
    assert [r["conflicts"] for r in body["data"]["crossCheck"]] == [
        [{"program": "BLT", "excludes": "PKH", "scope": "HOUSEHOLD"}]] * 2 + [[]]
    refused = await gql_as(client, query, KEMENTAN, niks=niks, program="blt")
    assert [e["extensions"] for e in refused["errors"]] == [
        {"code": "INVALID_INPUT", "reason": "program", "field": "program"}]
