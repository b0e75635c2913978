"""A NIK held by two regions, through the gateway with real node apps over mutual TLS
(docs/duplicates.md): the directory keeps both regions; person(nik) asks both and answers
from the lowest region code, naming both to Kemensos only; a partner's crossCheck says
``inMoreThanOneRegion`` and nothing of which regions; Kemensos lists the finding
(``crossRegionDuplicates``), nobody else may; once both nodes received it, the gateway's
dataQuality counts a CROSS_REGION_DUPLICATE warning in each region. Each with a clean
control: a NIK held by one region."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest

from certs.trust import CertificateStore
from gateway.entrypoints.app import SERVICES, refresh_snapshots
from gateway.inbox.decisions import DecisionDesk
from gateway.inbox.http import GatewaySigner
from regional_node.service_layer.decisions import receive_decision
from schema.nik_directory_key import NikDirectoryKey
from tests import factories
from tests.docs.runner import blocks, doc
from tests.gateway.cluster import NodeCluster
from tests.gateway.conftest import SECRET
from tests.gateway.identity_helpers import (
    DINSOS_BANDUNG,
    KEMENSOS,
    MITRA,
    error_codes,
    gql_as,
    secure_gateway,
)
from tests.node.helpers import store

PERSON = "query($nik: String!) { person(nik: $nik) { id name } }"
CHECK = "query($niks: [String!]!) { crossCheck(niks: $niks) { nik registered " \
        "inMoreThanOneRegion } }"
DUPLICATES = """query($first: Int!, $after: String, $all: Boolean!) {
  crossRegionDuplicates(first: $first, after: $after, includeResolved: $all) {
    totalCount edges { cursor node { id regions { code name } firstSeenAt resolvedAt } }
    pageInfo { hasNextPage endCursor } } }"""
QUALITY = """{ dataQuality(level: KABKOTA) { regionCode openWarnings { kind warnings } } }"""


PRINTED_NIK = "3273010101800001"  # the NIK docs/duplicates.md prints


def printed() -> list[str]:
    """The GraphQL blocks of docs/duplicates.md, as printed."""
    return [code for language, code, _ in blocks(doc("duplicates.md")) if language == "graphql"]


@pytest.fixture
async def twice(cluster: NodeCluster, dev_pki, tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    person = factories.household("32.73.01.1001", members=2, head_name="Siti Aminah")
    head = dataclasses.replace(person.members[0], nik=PRINTED_NIK,
                               birth_date=dt.date(1980, 1, 1))
    person = dataclasses.replace(person, members=[head, *person.members[1:]])
    clean = factories.household("32.73.01.1002", members=1, head_name="Bersih Saja")
    await store(cluster.nodes["32.73"].database, [person, clean])
    moved = dataclasses.replace(person, desa_code="35.78.01.1001", members=person.members[:1])
    await store(cluster.nodes["35.78"].database, [moved], "35.78")
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    await refresh_snapshots(client.app[SERVICES])  # the directory learns both regions
    return client, person.members[0].nik, clean.members[0].nik


async def test_person_asks_both_regions_and_names_them_to_kemensos_only(
        twice: Any, cluster: NodeCluster) -> None:
    client, nik, clean = twice
    cluster.requests.clear()
    body = await gql_as(client, PERSON, KEMENSOS, nik=nik)
    assert body["data"]["person"]["id"].startswith("32.73:")  # the lowest region code
    assert body["extensions"]["nikDirectory"] == {
        "lookup": "hit", "fallback": None, "region": "32.73",
        "duplicates": ["32.73", "35.78"]}
    assert dict(cluster.requests) == {"32.73": 1, "35.78": 1}
    # Dinas Sosial of Bandung: only its own region is asked, nothing said of Surabaya
    cluster.requests.clear()
    own = await gql_as(client, PERSON, DINSOS_BANDUNG, nik=nik)
    assert own["data"]["person"]["id"].startswith("32.73:")
    assert "duplicates" not in own["extensions"]["nikDirectory"]
    assert dict(cluster.requests) == {"32.73": 1}
    # control: a NIK of one region asks one node
    cluster.requests.clear()
    single = await gql_as(client, PERSON, KEMENSOS, nik=clean)
    assert "duplicates" not in single["extensions"]["nikDirectory"]
    assert dict(cluster.requests) == {"32.73": 1}


async def test_cross_check_flags_two_regions_without_naming_them(twice: Any) -> None:
    client, nik, clean = twice
    unknown = "3273014507770001"
    body = await gql_as(client, CHECK, MITRA, niks=[nik, clean, unknown])
    assert "errors" not in body, body
    assert body["data"]["crossCheck"] == [
        {"nik": nik, "registered": True, "inMoreThanOneRegion": True},
        {"nik": clean, "registered": True, "inMoreThanOneRegion": False},
        {"nik": unknown, "registered": False, "inMoreThanOneRegion": None}]
    text = json.dumps(body)
    assert "35.78" not in text and "Surabaya" not in text


async def test_kemensos_lists_the_findings_and_nobody_else_may(twice: Any) -> None:
    client, _, _ = twice
    body = await gql_as(client, DUPLICATES, KEMENSOS, first=10, all=False)
    assert "errors" not in body, body
    page = body["data"]["crossRegionDuplicates"]
    [edge] = page["edges"]
    assert page["totalCount"] == 1 and page["pageInfo"]["hasNextPage"] is False
    assert edge["node"]["regions"] == [{"code": "32.73", "name": "Kota Bandung"},
                                       {"code": "35.78", "name": "Kota Surabaya"}]
    assert edge["node"]["resolvedAt"] is None
    for principal in (DINSOS_BANDUNG, MITRA, None):
        refused = await gql_as(client, DUPLICATES, principal, first=10, all=False)
        assert refused["data"] == {"crossRegionDuplicates": None}
        assert error_codes(refused) == ["FORBIDDEN_FIELD"]


async def test_pages_and_bad_input(twice: Any) -> None:
    client, _, _ = twice
    directory = client.app[SERVICES].directory
    await directory.learn("c" * 64, ["32.04", "35.78"])
    await directory.learn("d" * 64, ["32.04", "35.78"])
    await directory.replace_region("32.04", ["c" * 64])  # d is resolved
    first = (await gql_as(client, DUPLICATES, KEMENSOS, first=1, all=True)
             )["data"]["crossRegionDuplicates"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"] is True
    seen = [first["edges"][0]["node"]["id"]]
    after = first["pageInfo"]["endCursor"]
    while after is not None:
        page = (await gql_as(client, DUPLICATES, KEMENSOS, first=1, after=after, all=True)
                )["data"]["crossRegionDuplicates"]
        seen += [e["node"]["id"] for e in page["edges"]]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    assert len(seen) == 3 == len(set(seen))
    open_only = (await gql_as(client, DUPLICATES, KEMENSOS, first=10, all=False)
                 )["data"]["crossRegionDuplicates"]
    assert open_only["totalCount"] == 2
    for variables, code in (({"first": 0}, "INVALID_INPUT"), ({"first": 51}, "INVALID_INPUT"),
                            ({"first": 5, "after": "bm90LWEtY3Vyc29y"}, "INVALID_INPUT")):
        bad = await gql_as(client, DUPLICATES, KEMENSOS, all=True, **variables)
        assert error_codes(bad) == [code], bad


async def test_both_nodes_count_the_finding_in_the_data_quality_summary(
        twice: Any, cluster: NodeCluster, dev_pki) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = twice
    before = await gql_as(client, QUALITY, KEMENSOS)
    assert not any(c["kind"] == "CROSS_REGION_DUPLICATE" for row in
                   before["data"]["dataQuality"] for c in row["openWarnings"])
    desk = DecisionDesk(client.app[SERVICES].database, GatewaySigner(dev_pki.layout.root))
    key = NikDirectoryKey.from_secret(SECRET)
    for region in ("32.73", "35.78"):
        [envelope] = await desk.pending(region)
        result = await receive_decision(cluster.nodes[region].database,
                                        CertificateStore.load(dev_pki.layout.root), region,
                                        envelope, dt.datetime.now(dt.UTC), key)
        assert result.status == "APPLIED", result
    body = await gql_as(client, QUALITY, KEMENSOS)
    counted = {row["regionCode"]: {c["kind"]: c["warnings"] for c in row["openWarnings"]}
               for row in body["data"]["dataQuality"]}
    assert counted["32.73"].get("CROSS_REGION_DUPLICATE") == 1
    assert counted["35.78"].get("CROSS_REGION_DUPLICATE") == 1
    assert "CROSS_REGION_DUPLICATE" not in counted.get("32.04", {})  # control


async def test_the_queries_docs_duplicates_md_prints_run_as_printed(twice: Any) -> None:
    client, nik, _ = twice
    listing, check = printed()
    body = await gql_as(client, listing, KEMENSOS)
    assert "errors" not in body, body
    [edge] = body["data"]["crossRegionDuplicates"]["edges"]
    assert [r["code"] for r in edge["node"]["regions"]] == ["32.73", "35.78"]
    body = await gql_as(client, check, MITRA)
    assert body["data"]["crossCheck"] == [
        {"nik": nik, "registered": True, "inMoreThanOneRegion": True}]


async def test_a_job_asks_both_regions_and_flags_the_nik_in_its_result_file(
        twice: Any, cluster: NodeCluster) -> None:
    from tests.gateway.test_cross_check_jobs import download, finished, upload

    client, nik, clean = twice
    cluster.requests.clear()
    status, job = await upload(client, MITRA, f"{nik}\n{clean}\n")
    assert status == 202, job
    assert (await finished(client, MITRA, job["id"]))["state"] == "DONE"
    assert cluster.requests["35.78"] == 1  # the copy in Surabaya was asked about too
    status, text = await download(client, MITRA, job["id"])
    assert status == 200
    rows = {line.split(",")[0]: line.split(",") for line in text.splitlines()[1:]}
    assert rows[nik][1] == "true" and rows[nik][-1] == "true"
    assert rows[clean][1] == "true" and rows[clean][-1] == "false"  # the clean control
    assert "35.78" not in text and "Surabaya" not in text  # which regions is not told
