"""Kemensos' web pages at the gateway, over plain HTTP as a browser uses them, with real node
apps behind the gateway (mutual TLS) and records a node sent up through the real inbox: the
dashboard (counts, deciles, errors, pockets, the map's GeoJSON), determining and returning
records with a decree (its PDF's SHA-256 computed from the upload), the DIPA download, and
every refusal: other roles, a Kemensos account without ``decide``, bad decree input (a
message, nothing stored), no CSRF token."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

import pytest
from aiohttp import FormData
from sqlalchemy import func, select

from gateway.adapters.orm import DecisionOutbox
from gateway.entrypoints.app import SERVICES
from gateway.service_layer import national_records as national
from gateway.service_layer.deciles import compute_deciles
from tests.gateway.cluster import NodeCluster
from tests.gateway.conftest import REGIONS
from tests.gateway.identity_helpers import secure_gateway
from tests.gateway.kemensos_web_helpers import (
    PERIOD,
    add_users,
    log_in,
    receive_records,
    seed_households,
)
from tests.gateway.web_helpers import WebUser
from tests.targeting_households import constructed

PDF = b"%PDF-1.4\n% Keputusan Menteri Sosial 146/HUK/2026 (uji)\n%%EOF\n"
PAGES = ("/web/kemensos", "/web/kemensos/penetapan", "/web/kemensos/dipa",
         f"/web/kemensos/peta.geojson?period={PERIOD}",
         f"/web/kemensos/dipa/unduh?periode={PERIOD}&format=csv")


@pytest.fixture
async def site(cluster: NodeCluster, dev_pki, tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    await seed_households(cluster)
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    database = client.app[SERVICES].database
    await add_users(database)
    bandung = await receive_records(database, dev_pki, "32.73", 3, "b")
    surabaya = await receive_records(database, dev_pki, "35.78", 2, "s")
    return client, bandung, surabaya


async def _kemensos(client: Any, username: str = "kemensos") -> WebUser:
    user = WebUser(client)
    await log_in(user, username)
    return user


async def _decisions(client: Any) -> int:
    async with client.app[SERVICES].database.reader() as session:
        return int((await session.execute(
            select(func.count()).select_from(DecisionOutbox))).scalar_one())


async def _summary(client: Any) -> dict[str, tuple[int, int, int]]:
    rows = await national.summary(client.app[SERVICES].database)
    return {r.region: (r.received, r.determined, r.returned) for r in rows}


def _decide_form(user: WebUser, records: list[str], **fields: str) -> FormData:
    form = FormData()
    form.add_field("csrf_token", user.csrf)
    for record in records:
        form.add_field("rekaman", record)
    for name, value in fields.items():
        form.add_field(name, value)
    return form


async def test_the_dashboard_shows_counts_deciles_errors_and_the_maps_geojson(site) -> None:
    client, _, _ = site
    await compute_deciles(client.app[SERVICES], "test:kemensos")
    user = await _kemensos(client)
    assert user.last.headers["Location"] == "/web/kemensos"
    status, body = await user.get("/web/kemensos", periode=PERIOD)
    assert status == 200, body
    assert "Dasbor nasional" in body and 'id="peta"' in body
    assert f"/web/kemensos/peta.geojson?period={PERIOD}&amp;indicator=exclusion_error" in body
    assert "leaflet-1.9.4/leaflet.js" in body and 'integrity="sha384-' in body
    angka = body.split('id="angka"')[1].split("</dl>")[0]
    households = sum(len(constructed(region)) for region in REGIONS) + 3
    assert f"<dd>{households}</dd>" in angka  # households of the three nodes
    assert 'href="/web/kemensos/penetapan">5</a>' in angka  # 3 + 2 waiting
    table = body.split('id="tabel-kabkota"')[1].split("</table>")[0]
    # tests/targeting_households.py: Kota Surabaya's 4 poorest receive nothing
    assert "Kota Bandung" in table and "Kota Surabaya</th><td>8</td><td>100,0 %" in table
    deciles = body.split('id="tabel-desil"')[1].split("</table>")[0]  # computed above
    assert "Kota Bandung" in deciles and "Kota Surabaya" in deciles
    assert "belum dihitung" in body  # the pockets of the period not yet computed
    status, geojson = await user.get("/web/kemensos/peta.geojson", period=PERIOD,
                                     indicator="exclusion_error")
    assert status == 200 and user.last.content_type == "application/geo+json"
    features = json.loads(geojson)["features"]
    assert {f["properties"]["code"] for f in features} == set(REGIONS)
    assert {f["properties"]["code"]: f["properties"]["value"] for f in features}["35.78"] == 1.0
    assert all(f["geometry"]["type"] == "MultiPolygon" and "value" in f["properties"]
               for f in features)
    status, body = await user.get("/web/kemensos", periode="2026-Juni")
    assert status == 400 and "2026-S1" in body and "ditulis seperti" in body
    english = WebUser(client, accept_language="en")
    await log_in(english, "kemensos")
    status, body = await english.get("/web/kemensos", periode=PERIOD)
    assert status == 200 and "National dashboard" in body and "Exclusion error" in body
    status, body = await english.get("/web/kemensos/penetapan")
    assert "new household" in body and "Determine the chosen records" in body


async def test_kemensos_determines_chosen_records_with_the_pdfs_digest(site) -> None:
    client, bandung, surabaya = site
    user = await _kemensos(client)
    status, body = await user.get("/web/kemensos/penetapan")
    assert status == 200 and all(f'value="{r}"' in body for r in bandung + surabaya)
    assert "Menunggu penetapan" in body
    form = _decide_form(user, [bandung[0], surabaya[1]], aksi="tetapkan",
                        nomor="146/HUK/2026", tanggal="2026-12-01", periode="2026-S2")
    form.add_field("pdf", PDF, filename="kepmensos-146.pdf", content_type="application/pdf")
    status, body = await user.post("/web/kemensos/penetapan", form)
    assert status == 200, body
    assert "Ditetapkan untuk 32.73" in body and "Ditetapkan untuk 35.78" in body
    assert await _summary(client) == {"32.73": (2, 1, 0), "35.78": (1, 1, 0)}
    decided = await national.list_records(client.app[SERVICES].database,
                                          national.RecordFilter(state="DETERMINED"), 10)
    assert {r.record_id for r in decided.records} == {bandung[0], surabaya[1]}
    assert {r.decree.pdf_sha256 for r in decided.records if r.decree} == {
        hashlib.sha256(PDF).hexdigest()}
    assert f'value="{bandung[0]}"' not in body  # no longer waiting


async def test_kemensos_determines_with_a_pasted_digest_and_returns_with_a_reason(site) -> None:
    client, bandung, _ = site
    user = await _kemensos(client)
    await user.get("/web/kemensos/penetapan", wilayah="32.73")
    status, body = await user.post("/web/kemensos/penetapan", _decide_form(
        user, [bandung[1]], aksi="tetapkan", nomor="147/HUK/2026", tanggal="2026-12-02",
        periode="2026-S2", sha256="AB" * 32))
    assert status == 200 and "Ditetapkan untuk 32.73" in body, body
    status, body = await user.post("/web/kemensos/penetapan", _decide_form(
        user, [bandung[2]], aksi="kembalikan", alasan="Berita acara Musdes tidak terbaca"))
    assert status == 200 and "Dikembalikan ke 32.73" in body, body
    assert (await _summary(client))["32.73"] == (1, 1, 1)
    back = await national.list_records(client.app[SERVICES].database,
                                       national.RecordFilter(state="RETURNED"), 10)
    assert [(r.record_id, r.return_reason) for r in back.records] == [
        (bandung[2], "Berita acara Musdes tidak terbaca")]


async def test_kemensos_determines_everything_a_kab_kota_has_waiting(site) -> None:
    client, _, surabaya = site
    user = await _kemensos(client)
    status, body = await user.get("/web/kemensos/penetapan", wilayah="35.78")
    assert status == 200 and 'id="semua"' in body
    form = _decide_form(user, [], aksi="tetapkan", semua="1", nomor="148/HUK/2026",
                        tanggal="2026-12-03", periode="2026-S2", sha256="c" * 64)
    response = await client.post("/web/kemensos/penetapan", params={"wilayah": "35.78"},
                                 data=form, allow_redirects=False, headers={
                                     "Cookie": "; ".join(f"{k}={v}"
                                                         for k, v in user.cookies.items())})
    body = await response.text()
    assert response.status == 200 and "Ditetapkan untuk 35.78" in body, body
    assert await _summary(client) == {"32.73": (3, 0, 0), "35.78": (0, 2, 0)}
    assert len(surabaya) == 2


@pytest.mark.parametrize(("fields", "says"), [
    ({"aksi": "tetapkan", "nomor": "", "tanggal": "2026-12-01", "periode": "2026-S2",
      "sha256": "a" * 64}, "Tulis nomor keputusan"),
    ({"aksi": "tetapkan", "nomor": "1/HUK/2026", "tanggal": "1-12-2026", "periode": "2026-S2",
      "sha256": "a" * 64}, "Tulis tanggal keputusan"),
    ({"aksi": "tetapkan", "nomor": "1/HUK/2026", "tanggal": "2026-12-01", "periode": "Des",
      "sha256": "a" * 64}, "ditulis seperti 2026-S1"),
    ({"aksi": "tetapkan", "nomor": "1/HUK/2026", "tanggal": "2026-12-01", "periode": "2026-S2",
      "sha256": "bukan-sha"}, "SHA-256"),
    ({"aksi": "kembalikan", "alasan": "  "}, "Tulis alasan"),
])
async def test_bad_decree_input_shows_a_message_and_stores_nothing(site, fields, says) -> None:
    client, bandung, _ = site
    user = await _kemensos(client)
    await user.get("/web/kemensos/penetapan")
    status, body = await user.post("/web/kemensos/penetapan",
                                   _decide_form(user, [bandung[0]], **fields))
    assert status == 400 and says in body and 'role="alert"' in body, body
    assert await _decisions(client) == 0
    assert await _summary(client) == {"32.73": (3, 0, 0), "35.78": (2, 0, 0)}


async def test_no_record_chosen_an_unknown_one_or_no_decide_permission_decides_nothing(
        site) -> None:
    client, bandung, _ = site
    user = await _kemensos(client)
    await user.get("/web/kemensos/penetapan")
    decree = {"aksi": "tetapkan", "nomor": "1/HUK/2026", "tanggal": "2026-12-01",
              "periode": "2026-S2", "sha256": "a" * 64}
    status, body = await user.post("/web/kemensos/penetapan", _decide_form(user, [], **decree))
    assert status == 400 and "Pilih paling sedikit satu" in body
    status, body = await user.post("/web/kemensos/penetapan",
                                   _decide_form(user, [bandung[0], "tidak-ada"], **decree))
    assert status == 400 and "Periksa isian" in body, body  # INVALID_INPUT: all or nothing
    reader = await _kemensos(client, "pembaca")
    status, body = await reader.get("/web/kemensos/penetapan")
    assert status == 200  # may read
    status, body = await reader.post("/web/kemensos/penetapan",
                                     _decide_form(reader, [bandung[0]], **decree))
    assert status == 400 and "Akun Anda tidak berwenang melakukan ini" in body, body
    assert await _decisions(client) == 0


@pytest.mark.parametrize(("username", "lands"), [("kemensos", "/web/kemensos"),
                                                  ("kementan", "/web/mitra")])
async def test_a_login_naming_no_page_lands_on_the_roles_own(site, username, lands) -> None:
    client, _, _ = site
    user = WebUser(client)
    await log_in(user, username, "")
    assert user.last.headers["Location"] == lands


@pytest.mark.parametrize("username", ["dinsos", "kementan"])
async def test_dinsos_and_partner_sessions_cannot_open_kemensos_pages_or_decide(
        site, username) -> None:
    client, bandung, _ = site
    user = WebUser(client)
    await log_in(user, username, "/web/mitra" if username == "kementan" else "/web/")
    for path in PAGES:
        status, body = await user.get(path)
        assert status == 403, (path, body)
        assert "Halaman ini untuk staf Kemensos" in body
        assert user.last.headers["Content-Security-Policy"].startswith("default-src 'none'")
    await user.get("/web/")
    status, body = await user.post("/web/kemensos/penetapan", _decide_form(
        user, [bandung[0]], aksi="tetapkan", nomor="1/HUK/2026", tanggal="2026-12-01",
        periode="2026-S2", sha256="a" * 64))
    assert status == 403
    assert await _decisions(client) == 0


async def test_logged_out_visitors_go_to_the_login_and_a_post_needs_the_csrf_token(site) -> None:
    client, bandung, _ = site
    visitor = WebUser(client)
    status, _ = await visitor.get("/web/kemensos/penetapan")
    assert status == 303
    assert visitor.last.headers["Location"] == "/web/masuk?next=/web/kemensos/penetapan"
    user = await _kemensos(client)
    status, body = await user.get("/web/mitra")  # where the login leads by default
    assert status == 200 and 'href="/web/kemensos" id="ke-dasbor"' in body
    await user.get("/web/kemensos/penetapan")
    user.csrf = "palsu"
    status, body = await user.post("/web/kemensos/penetapan", _decide_form(
        user, [bandung[0]], aksi="kembalikan", alasan="buram"))
    assert status == 403 and body.startswith("Formulir sudah kedaluwarsa")
    assert await _decisions(client) == 0


async def test_the_dipa_download_is_the_gateways_export(site) -> None:
    client, _, _ = site
    user = await _kemensos(client)
    status, body = await user.get("/web/kemensos/dipa")
    assert status == 200 and 'action="/web/kemensos/dipa/unduh"' in body
    cookie = "; ".join(f"{k}={v}" for k, v in user.cookies.items())
    response = await client.get("/web/kemensos/dipa/unduh", params=[
        ("periode", PERIOD), ("format", "csv"), ("program", "PKH"), ("program", "BPNT")],
        headers={"Cookie": cookie})
    assert response.status == 200, await response.text()
    assert response.headers["Content-Disposition"] == f'attachment; filename="dipa-{PERIOD}.csv"'
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    flat = "\n".join(",".join(r) for r in rows)
    assert "JUMLAH NASIONAL" in flat and "PKH" in flat and "BPNT" in flat
    assert "PBI_JK" not in flat.split("JUMLAH NASIONAL")[0]  # only the chosen programs
    status, body = await user.get("/web/kemensos/dipa/unduh", periode="2026", format="xlsx")
    assert status == 400 and "ditulis seperti 2026-S1" in body
    response = await client.get("/web/kemensos/dipa/unduh", params={
        "periode": PERIOD, "format": "xlsx"}, headers={"Cookie": cookie})
    assert response.status == 200 and response.content_type.endswith("spreadsheetml.sheet")
    assert (await response.read())[:2] == b"PK"  # a zip: the XLSX


async def test_a_node_down_is_named_on_the_dashboard_and_the_rest_is_shown(site, cluster) -> None:
    client, _, _ = site
    await cluster.stop("35.78")
    user = await _kemensos(client)
    status, body = await user.get("/web/kemensos", periode=PERIOD)
    assert status == 200, body
    assert "Server kab/kota tidak dapat dihubungi" in body and 'role="alert"' in body
    assert "Tidak terhitung karena servernya tidak menjawab: 35.78." in body
    table = body.split('id="tabel-kabkota"')[1].split("</table>")[0]
    assert "Kota Bandung" in table and "Kota Surabaya" not in table
    status, geojson = await user.get("/web/kemensos/peta.geojson", period=PERIOD)
    assert status == 200 and user.last.headers["X-SIKS-Missing-Regions"] == "35.78"
