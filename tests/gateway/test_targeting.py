"""Targeting indicators through the gateway over real node apps (docs/targeting.md), on the
constructed data set of tests/targeting_households.py whose errors are known: every level
pushed down and added up; a period recorded with the command, answered from the store and
compared with the next; who sees what (the public kab/kota and above with small counts
withheld, Dinas Sosial its region only); the GeoJSON; the choropleth and the desil plot."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from PIL import Image

from gateway.service_layer.map_render import CLASS_COLOURS, NO_VALUE, colour_of, map_layout
from schema.geo import boundary
from schema.roles import Principal, Role
from siks.cli import main as siks_main
from tests.gateway.helpers import gql
from tests.gateway.identity_helpers import DINSOS_BANDUNG, bearer, gql_as, secure_gateway, token_for
from tests.node.helpers import store
from tests.targeting_households import (
    S1,
    S2,
    SUKARASA,
    constructed,
)

INDICATORS = """query T($period: String!, $level: TargetingLevel, $region: String,
                        $comparedTo: String) {
  targetingIndicators(period: $period, level: $level, region: $region,
                      comparedTo: $comparedTo) {
    regionCode regionName households poorestHouseholds exclusionErrors exclusionRate
    exclusionRateChange
    programs { program recipients inclusionErrors inclusionRate coverage coverageChange }
  }
}"""


@pytest.fixture
async def targeted(cluster):  # type: ignore[no-untyped-def]
    for region in ("32.73", "32.04", "35.78"):
        await store(cluster.nodes[region].database, constructed(region), region)
    return cluster


def rows(body: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
    assert "errors" not in body, body
    return {row["regionCode"]: row for row in body["data"]["targetingIndicators"]}


def program(row: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in row["programs"] if p["program"] == name)


def exclusion(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["households"], row["poorestHouseholds"], row["exclusionErrors"],
            row["exclusionRate"])


async def test_every_level_is_added_up_from_the_nodes(gateway, targeted) -> None:  # type: ignore[no-untyped-def]
    national = rows(await gql(gateway, INDICATORS, period=S1, level="NATIONAL"))[None]
    assert exclusion(national) == (62, 43, 21, 0.4884)
    assert program(national, "BPNT")["inclusionErrors"] == 3  # Surabaya's desil 9
    provinces = rows(await gql(gateway, INDICATORS, period=S1, level="PROVINCE"))
    assert exclusion(provinces["32"]) == (55, 39, 17, 0.4359)
    assert exclusion(provinces["35"]) == (7, 4, 4, 1.0)
    kabkota = rows(await gql(gateway, INDICATORS, period=S1))
    assert exclusion(kabkota["32.73"]) == (33, 17, 7, 0.4118)
    assert kabkota["32.73"]["regionName"] == "Kota Bandung"
    assert (program(kabkota["32.73"], "PKH")["inclusionRate"],
            program(kabkota["32.73"], "PKH")["coverage"]) == (0.2308, 0.4762)
    assert exclusion(kabkota["32.04"]) == (22, 22, 10, 0.4545)
    assert program(kabkota["32.04"], "PKH")["coverage"] == 0.5455
    kecamatan = rows(await gql(gateway, INDICATORS, period=S1, level="KECAMATAN",
                               region="32.73"))
    assert {code: r["exclusionErrors"] for code, r in kecamatan.items()} == {
        "32.73.01": 5, "32.73.02": 2}
    desa = rows(await gql(gateway, INDICATORS, period=S1, level="DESA", region=SUKARASA))
    assert exclusion(desa[SUKARASA]) == (20, 15, 5, 0.3333)


async def siks(*args: str) -> int:
    return await asyncio.to_thread(siks_main, list(args))


async def test_a_recorded_period_and_how_it_moved(gateway, targeted, dev_pki, tmp_path,  # type: ignore[no-untyped-def]
                                                  capsys) -> None:
    db = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    pki = str(dev_pki.layout.root)
    assert await siks("gateway", "targeting", "record", "--period", S1, "--db", db,
                      "--pki-dir", pki) == 0
    assert "recorded for 3 kab/kota: 32.04, 32.73, 35.78" in capsys.readouterr().out
    # a desil-2 household with no program joins Sukarasa after the period was recorded
    extra = [r for r in constructed("32.73") if r.desil == 2][0]
    extra.kk_number, extra.members[0].nik = extra.kk_number[:-4] + "0999", \
        extra.members[0].nik[:-4] + "0999"
    extra.programs = []
    await store(targeted.nodes["32.73"].database, [extra])
    stored = rows(await gql(gateway, INDICATORS, period=S1))["32.73"]
    assert exclusion(stored) == (33, 17, 7, 0.4118)  # as recorded
    moved = rows(await gql(gateway, INDICATORS, period=S2, comparedTo=S1))
    # S2 (live): Sukarasa's five excluded households got BPNT, the new one did not
    assert exclusion(moved["32.73"]) == (34, 18, 3, 0.1667)
    assert moved["32.73"]["exclusionRateChange"] == -0.2451
    bpnt = program(moved["32.73"], "BPNT")  # 15 of 22 eligible households, was 10 of 21
    assert (bpnt["coverage"], bpnt["coverageChange"]) == (0.6818, 0.2056)
    assert moved["32.04"]["exclusionRateChange"] == 0.0


@pytest.mark.parametrize(("principal", "level", "region", "code"), [
    (None, "KECAMATAN", None, "FORBIDDEN"),
    (None, "DESA", "32.73", "FORBIDDEN"),
    (None, "KABKOTA", "32.73.01", "FORBIDDEN"),
    (Principal("u:op", Role.OPERATOR_DESA, SUKARASA), "KABKOTA", None, "FORBIDDEN_FIELD"),
    (Principal("u:mitra", Role.MITRA, programs=("PKH",)), "KABKOTA", None, "FORBIDDEN_FIELD"),
    (DINSOS_BANDUNG, "KABKOTA", "32.04", "OUT_OF_SCOPE"),
])
async def test_refused(aiohttp_client, tmp_path, dev_pki, targeted, principal, level,  # type: ignore[no-untyped-def]
                       region, code) -> None:
    gateway = await secure_gateway(aiohttp_client, tmp_path, dev_pki, targeted)
    body = await gql_as(gateway, INDICATORS, principal, period=S1, level=level, region=region)
    assert body["data"]["targetingIndicators"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]


async def test_the_public_sees_kabkota_with_small_counts_withheld(  # type: ignore[no-untyped-def]
        aiohttp_client, tmp_path, dev_pki, targeted) -> None:
    gateway = await secure_gateway(aiohttp_client, tmp_path, dev_pki, targeted)
    found = rows(await gql_as(gateway, INDICATORS, None, period=S1))
    # each total is the sum of its published cells: 32.73's 33 households are 12 in desil 1
    # (published) + 21 in cells under 10 (withheld, so left out of every total shown)
    assert exclusion(found["32.73"]) == (12, 12, None, None)  # 7 excluded: under 10
    assert exclusion(found["32.04"]) == (22, 22, 10, 0.4545)
    assert exclusion(found["35.78"]) == (None, None, None, None)
    assert program(found["32.73"], "PKH")["recipients"] == 10  # 3 inclusion errors withheld
    assert program(found["32.73"], "PKH")["inclusionErrors"] is None
    national = rows(await gql_as(gateway, INDICATORS, None, period=S1, level="NATIONAL"))
    assert exclusion(national[None]) == (34, 34, 10, 0.2941)
    # the nation minus its published kab/kota recovers nothing that was withheld
    assert national[None]["households"] - sum(
        row["households"] or 0 for row in found.values()) == 0


async def test_dinsos_sees_its_own_region_only(aiohttp_client, tmp_path, dev_pki,  # type: ignore[no-untyped-def]
                                               targeted) -> None:
    gateway = await secure_gateway(aiohttp_client, tmp_path, dev_pki, targeted)
    found = rows(await gql_as(gateway, INDICATORS, DINSOS_BANDUNG, period=S1, level="DESA"))
    assert {code[:5] for code in found} == {"32.73"} and len(found) == 2
    whole = rows(await gql_as(gateway, INDICATORS, DINSOS_BANDUNG, period=S1,
                              level="NATIONAL"))
    assert exclusion(whole[None]) == (33, 17, 7, 0.4118)  # "national" narrowed to its scope


async def test_geojson_per_kabkota(aiohttp_client, tmp_path, dev_pki, targeted) -> None:  # type: ignore[no-untyped-def]
    gateway = await secure_gateway(aiohttp_client, tmp_path, dev_pki, targeted)
    kemensos = bearer(token_for(gateway, Principal("u:k", Role.KEMENSOS)))
    response = await gateway.get(
        f"/maps/indicators.geojson?period={S1}&indicator=exclusion_error", headers=kemensos)
    assert response.status == 200
    assert response.content_type == "application/geo+json"
    collection = json.loads(await response.text())
    assert collection["type"] == "FeatureCollection"
    features = {f["properties"]["code"]: f for f in collection["features"]}
    assert sorted(features) == ["32.04", "32.73", "35.78"]
    bandung = features["32.73"]
    assert bandung["geometry"]["type"] == "MultiPolygon"
    assert bandung["properties"]["name"] == "Kota Bandung"
    assert bandung["properties"]["value"] == 0.4118
    assert bandung["properties"]["exclusion_errors"] == 7
    assert bandung["properties"]["inclusion_error.PKH"] == 0.2308
    assert bandung["properties"]["coverage.PBI_JK"] == 0.3704
    public = json.loads(await (await gateway.get(
        f"/maps/indicators.geojson?period={S1}&indicator=exclusion_error")).text())
    public_bandung = next(f for f in public["features"] if f["properties"]["code"] == "32.73")
    assert public_bandung["properties"]["value"] is None  # 7 excluded: withheld
    dinsos = json.loads(await (await gateway.get(
        f"/maps/indicators.geojson?period={S1}",
        headers=bearer(token_for(gateway, DINSOS_BANDUNG)))).text())
    assert [f["properties"]["code"] for f in dinsos["features"]] == ["32.73"]
    beside = await gateway.get(f"/maps/indicators.geojson?period={S1}&region=32.04",
                               headers=bearer(token_for(gateway, DINSOS_BANDUNG)))
    assert beside.status == 403
    assert (await beside.json())["errors"][0]["extensions"]["code"] == "OUT_OF_SCOPE"
    for query, status in ((f"period={S1}&indicator=nope", 400), ("period=2026-S9", 400),
                          (f"period={S1}&region=32.04", 200)):
        answer = await gateway.get(f"/maps/indicators.geojson?{query}", headers=kemensos)
        assert answer.status == status, query
    mitra = await gateway.get(f"/maps/indicators.geojson?period={S1}", headers=bearer(
        token_for(gateway, Principal("u:m", Role.MITRA, programs=("PKH",)))))
    assert mitra.status == 403


async def test_choropleth_and_desil_plot(gateway, targeted, dev_pki, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    pki = str(dev_pki.layout.root)
    peta = tmp_path / "peta.png"
    assert await siks("gateway", "map", "render", "--indicator", "exclusion_error",
                      "--period", S1, "--region", "32", "--output", str(peta), "--db", db,
                      "--pki-dir", pki) == 0
    assert "exclusion_error, 2 kab/kota" in capsys.readouterr().out
    image = Image.open(peta).convert("RGB")
    assert image.size == (1200, 800)
    projection = map_layout(["32.73", "32.04"], 1200, 800)
    colours = {}
    for code in ("32.73", "32.04"):
        found = boundary(code)
        assert found is not None
        lat, lon = found.reference_point
        assert found.contains(lat, lon)
        x, y = projection.pixel(lon, lat)
        colours[code] = image.getpixel((round(x), round(y)))
    assert colours["32.73"] == colour_of(0.4118) == CLASS_COLOURS[2]
    assert colours["32.04"] == colour_of(0.4545) == CLASS_COLOURS[2]
    bpnt = tmp_path / "inklusi.png"  # the three kab/kota: Java from Bandung to Surabaya
    assert await siks("gateway", "map", "render", "--indicator", "inclusion_error.BPNT",
                      "--period", S1, "--output", str(bpnt), "--db", db, "--pki-dir", pki) == 0
    image = Image.open(bpnt).convert("RGB")
    projection = map_layout(["32.04", "32.73", "35.78"], 1200, 800)
    pixels = {}
    for code in ("32.73", "32.04", "35.78"):
        lat, lon = boundary(code).reference_point  # type: ignore[union-attr]
        x, y = projection.pixel(lon, lat)
        pixels[code] = image.getpixel((round(x), round(y)))
    assert pixels == {"32.73": CLASS_COLOURS[0],  # 0 of 10 BPNT recipients above desil 4
                      "35.78": CLASS_COLOURS[4],  # 3 of 3
                      "32.04": NO_VALUE}  # no BPNT recipient: no rate

    desil = tmp_path / "desil.png"
    assert await siks("gateway", "plot", "deciles", "--region", "32.73", "--period", S1,
                      "--output", str(desil), "--db", db, "--pki-dir", pki) == 0
    assert "32.73 Kota Bandung, 33 rumah tangga" in capsys.readouterr().out
    assert Image.open(desil).size == (900, 500)
    assert await siks("gateway", "map", "render", "--indicator", "nope", "--period", S1,
                      "--output", str(peta), "--db", db) == 2
    assert "unknown indicator 'nope'" in capsys.readouterr().err


async def test_bad_input_is_a_typed_error(gateway, targeted) -> None:  # type: ignore[no-untyped-def]
    for variables, code in (({"period": "2026-S3"}, "INVALID_INPUT"),
                            ({"period": S1, "region": "99.99"}, "INVALID_REGION"),
                            ({"period": S1, "comparedTo": "kemarin"}, "INVALID_INPUT")):
        body = await gql(gateway, INDICATORS, **variables)
        assert body["data"]["targetingIndicators"] is None, variables
        assert [e["extensions"]["code"] for e in body["errors"]] == [code], body


async def test_a_node_down_is_left_out_and_named(gateway, targeted, dev_pki, tmp_path,  # type: ignore[no-untyped-def]
                                                 capsys) -> None:
    await targeted.stop("35.78")
    body = await gql(gateway, INDICATORS, period=S1, level="NATIONAL")
    assert exclusion(body["data"]["targetingIndicators"][0]) == (55, 39, 17, 0.4359)
    assert [(e["extensions"]["code"], e["extensions"]["region"]) for e in body["errors"]] == [
        ("NODE_UNAVAILABLE", "35.78")]
    db = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    assert await siks("gateway", "targeting", "record", "--period", S1, "--db", db,
                      "--pki-dir", str(dev_pki.layout.root), "--deadline-ms", "3000") == 1
    printed = capsys.readouterr().out
    assert "recorded for 2 kab/kota: 32.04, 32.73" in printed
    assert "LEFT OUT: 35.78" in printed
    assert await siks("gateway", "plot", "deciles", "--region", "99.99", "--period", S1,
                      "--output", str(tmp_path / "x.png"), "--db", db) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
