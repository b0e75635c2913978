"""Data quality through the gateway (issue 15), with three real node apps behind mutual TLS:
per kab/kota, province and nation the sum of what each node counts; a Dinas Sosial sees its
own region and its imports; a partner and the public nothing; a node down is left out and
named."""

from __future__ import annotations

from sqlalchemy import update

from regional_node.adapters.orm import HouseholdWarning, ImportRun, Member
from tests.gateway.cluster import NodeCluster, desa_codes
from tests.gateway.helpers import gql
from tests.gateway.identity_helpers import (
    DINSOS_BANDUNG,
    KEMENSOS,
    MITRA,
    error_codes,
    gql_as,
    secure_gateway,
)

SEED = {"32.73": [4, 2], "32.04": [3], "35.78": [5]}
QUALITY = """query($level: DataQualityLevel, $region: String) {
  dataQuality(level: $level, region: $region) { regionCode regionName households members
    duplicates matchStatus { status members } openWarnings { kind warnings }
    householdsRefused importErrors } }"""


async def _seed(cluster: NodeCluster) -> None:
    """Each node: its households, one member data ganda, one open warning; 32.73 also an
    import run that refused 2 households with 3 errors."""
    for region, sizes in SEED.items():
        ids = await cluster.seed(region, sizes)
        database = cluster.nodes[region].database
        async with database.writer() as session, session.begin():
            await session.execute(update(Member).values(match_status="MATCH"))
            await session.execute(update(Member).where(
                Member.household_id == ids[0], Member.relationship == "HEAD")
                .values(match_status="DUPLICATE"))
            session.add(HouseholdWarning(
                household_id=ids[0], member_id=None, desa_code=desa_codes(region, 1)[0],
                kind="KK_OTHER_PROVINCE", source="IMPORT", message="x / x"))
            if region == "32.73":
                session.add(ImportRun(
                    source_name="a.csv", mode="all-or-nothing", imported_by="cli:op",
                    rows_read=12, households_read=2, households_stored=0,
                    households_refused=2, errors=3, warnings_stored=0,
                    errors_by_reason={"invalid_date": 3}))


def _by_region(body: dict) -> dict:
    return {r["regionCode"]: r for r in body["data"]["dataQuality"]}


async def test_per_kabkota_province_and_nation_the_sum_of_the_nodes(gateway, cluster):  # type: ignore[no-untyped-def]
    await _seed(cluster)
    body = await gql(gateway, QUALITY, level="KABKOTA")
    assert "errors" not in body, body
    rows = _by_region(body)
    assert set(rows) == set(SEED)
    for region, sizes in SEED.items():
        assert rows[region]["households"] == sum(sizes)
        assert rows[region]["duplicates"] == 1
        assert rows[region]["openWarnings"] == [{"kind": "KK_OTHER_PROVINCE", "warnings": 1}]
    assert (rows["32.73"]["householdsRefused"], rows["32.73"]["importErrors"]) == (2, 3)
    assert rows["32.73"]["regionName"] == "Kota Bandung"

    province = _by_region(await gql(gateway, QUALITY, level="PROVINCE"))
    assert province["32"]["households"] == sum(SEED["32.73"]) + sum(SEED["32.04"])
    assert province["32"]["duplicates"] == 2 and province["35"]["duplicates"] == 1
    [nation] = (await gql(gateway, QUALITY, level="NATIONAL"))["data"]["dataQuality"]
    assert nation["regionCode"] is None
    assert nation["households"] == sum(sum(s) for s in SEED.values())
    assert nation["members"] == sum(r["members"] for r in rows.values())
    assert nation["householdsRefused"] == 2
    one = _by_region(await gql(gateway, QUALITY, level="KABKOTA", region="35"))
    assert set(one) == {"35.78"}


async def test_dinas_sosial_its_region_a_partner_and_the_public_nothing(  # type: ignore[no-untyped-def]
        cluster, dev_pki, tmp_path, aiohttp_client):
    await _seed(cluster)
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    own = await gql_as(client, QUALITY, DINSOS_BANDUNG, level="KABKOTA")
    assert "errors" not in own, own
    assert set(_by_region(own)) == {"32.73"}
    assert _by_region(own)["32.73"]["householdsRefused"] == 2
    outside = await gql_as(client, QUALITY, DINSOS_BANDUNG, level="KABKOTA", region="35.78")
    assert error_codes(outside) == ["OUT_OF_SCOPE"]
    for principal in (MITRA, None):
        refused = await gql_as(client, QUALITY, principal, level="NATIONAL")
        assert error_codes(refused) == ["FORBIDDEN_FIELD"]
        assert refused["data"] == {"dataQuality": None}
    kemensos = await gql_as(client, QUALITY, KEMENSOS, level="NATIONAL")
    assert "errors" not in kemensos, kemensos


async def test_bad_input_and_a_node_down(gateway, cluster):  # type: ignore[no-untyped-def]
    await _seed(cluster)
    invalid = await gql(gateway, QUALITY, level="KABKOTA", region="99.99")
    assert error_codes(invalid) == ["INVALID_REGION"]
    await cluster.stop("35.78")
    partial = await gql(gateway, QUALITY, level="KABKOTA")
    assert set(_by_region(partial)) == {"32.73", "32.04"}
    assert [(e["extensions"]["code"], e["extensions"].get("region"))
            for e in partial["errors"]] == [("NODE_UNAVAILABLE", "35.78")]


async def test_the_gateway_query_docs_import_md_prints_runs_as_printed(gateway, cluster):  # type: ignore[no-untyped-def]
    from tests.docs.runner import blocks, doc, section

    _, printed = [code for language, code, *_ in blocks(section(
        doc("import.md"), "## Kualitas data / Data quality")) if language == "graphql"]
    await _seed(cluster)
    body = await gql(gateway, printed)
    assert "errors" not in body, body
    assert _by_region(body)["32"]["householdsRefused"] == 2
