"""The gateway's web pages over plain HTTP, as a browser uses them, with real node apps behind
the gateway (mutual TLS): the session cookie's flags, CSRF on every POST, the language
(Indonesian by default, English by Accept-Language or the switch), the public's cekbansos by
names, usul and sanggah with their receipts, and the partner's login and NIK file check."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from aiohttp import FormData

from gateway.entrypoints.app import SERVICES, refresh_snapshots
from gateway.identity.users import NewUser, add_user
from schema.enums import Program
from schema.roles import Role
from schema.web import CONTENT_SECURITY_POLICY, asset_files
from tests import factories
from tests.gateway.cluster import NodeCluster
from tests.gateway.identity_helpers import secure_gateway
from tests.gateway.web_helpers import WebUser
from tests.node.helpers import store
from tests.node.report_helpers import JPEG

DESA = {"provinsi": "32", "kabkota": "32.73", "kecamatan": "32.73.01",
        "desa": "32.73.01.1001"}
PASSWORD = "kata-sandi-mitra-kementan"


@pytest.fixture
async def site(cluster: NodeCluster, dev_pki, tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    siti = factories.household(DESA["desa"], members=3, head_name="Siti Aminah", desil=3,
                               programs=(Program.PKH, Program.BPNT))
    await store(cluster.nodes["32.73"].database, [siti])
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    database = client.app[SERVICES].database
    await add_user(database, NewUser("mitrakementan", PASSWORD, Role.MITRA,
                                     programs=("PKH",)), actor="test")
    await add_user(database, NewUser("dinsosbandung", PASSWORD, Role.DINSOS, region="32.73"),
                   actor="test")
    return client, siti


def _cookie(response, name: str):  # type: ignore[no-untyped-def]
    for header in response.headers.getall("Set-Cookie", []):
        cookie = SimpleCookie()
        cookie.load(header)
        if name in cookie:
            return cookie[name], header
    raise AssertionError(f"no {name} cookie set")


async def test_the_session_cookie_is_secure_httponly_samesite_strict(site) -> None:
    client, _ = site
    user = WebUser(client)
    status, _ = await user.get("/web/")
    assert status == 200
    morsel, header = _cookie(user.last, "siks_session")
    assert morsel["secure"] and morsel["httponly"] and morsel["samesite"] == "Strict"
    assert morsel["path"] == "/" and "Secure" in header and "HttpOnly" in header
    assert user.last.headers["Cache-Control"] == "no-store"
    assert user.last.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    await user.get("/web/cekbansos")
    assert "siks_session" not in {c for h in user.last.headers.getall("Set-Cookie", [])
                                  for c in SimpleCookie(h)}  # kept, not sent again


@pytest.mark.parametrize("token", [None, "", "forged-token"])
async def test_a_post_without_the_sessions_csrf_token_is_refused(site, token) -> None:
    client, _ = site
    user = WebUser(client)
    await user.get("/web/cekbansos")
    data = {**DESA, "nama": "Siti Aminah"}
    if token is not None:
        data["csrf_token"] = token
    status, body = await user.post("/web/cekbansos", data, csrf=False)
    assert status == 403
    assert body.startswith("Formulir sudah kedaluwarsa atau tidak berasal dari situs ini.")


async def test_another_sessions_csrf_token_or_a_changed_cookie_is_refused(site) -> None:
    client, _ = site
    mallory, alice = WebUser(client), WebUser(client)
    await mallory.get("/web/cekbansos")
    await alice.get("/web/cekbansos")
    alice.csrf = mallory.csrf
    assert (await alice.post("/web/cekbansos", {**DESA, "nama": "Siti"}))[0] == 403
    await alice.get("/web/cekbansos")
    value = alice.cookies["siks_session"]
    alice.cookies["siks_session"] = value[:-4] + ("AAAA" if value[-4:] != "AAAA" else "BBBB")
    assert (await alice.post("/web/cekbansos", {**DESA, "nama": "Siti"}))[0] == 403


async def test_indonesian_by_default_english_by_accept_language_or_the_switch(site) -> None:
    client, _ = site
    status, body = await WebUser(client).get("/web/cekbansos")
    assert status == 200 and '<html lang="id">' in body and "Nama lengkap sesuai KTP" in body
    english = WebUser(client, accept_language="en-US,en;q=0.8")
    assert "Full name as on the KTP" in (await english.get("/web/cekbansos"))[1]
    assert "Cek bansos" in (await WebUser(client, accept_language="fr").get("/web/"))[1]
    user = WebUser(client, accept_language="id")
    await user.get("/web/usul")
    status, _ = await user.post("/web/bahasa", {"language": "en", "next": "/web/usul"})
    assert status == 303 and user.last.headers["Location"] == "/web/usul"
    morsel, _ = _cookie(user.last, "siks_lang")
    assert morsel.value == "en" and morsel["secure"] and morsel["httponly"]
    status, body = await user.get("/web/usul")
    assert '<html lang="en">' in body and "Send the proposal" in body
    await user.post("/web/bahasa", {"language": "id", "next": "https://evil.example/"})
    assert user.last.headers["Location"] == "/web/"  # never away from this site
    assert (await user.post("/web/bahasa", {"language": "fr"}))[0] == 400


async def test_cekbansos_by_names_shows_status_programs_and_period_only(site) -> None:
    client, siti = site
    user = WebUser(client)
    status, body = await user.get("/web/cekbansos", provinsi="32", kabkota="32.73")
    assert status == 200 and "Kota Bandung" in body and "Sukasari" in body
    status, body = await user.post("/web/cekbansos", {**DESA, "nama": "SITI AMINAH"})
    assert status == 200
    result = body[body.index('id="hasil"'):]
    assert "Terdaftar di DTKS" in result and "Sukarasa" in result
    assert "<td>PKH</td><td>2026-S1</td><td>ya</td>" in result
    assert "<td>BPNT</td><td>2026-S1</td><td>ya</td>" in result
    for private in (siti.kk_number, siti.members[0].nik, siti.address):
        assert private not in body
    status, body = await user.post("/web/cekbansos", {**DESA, "nama": "Tidak Ada Orangnya"})
    assert "Tidak ada yang terdaftar dengan nama ini di desa ini." in body
    status, body = await user.post("/web/cekbansos", {**DESA, "desa": "", "nama": "Siti"})
    assert status == 400 and "Pilih desa dan tulis nama lengkap sesuai KTP." in body


async def test_without_javascript_the_next_list_comes_by_a_post_that_sends_nothing(
        site) -> None:
    client, _ = site
    user = WebUser(client)
    await user.get("/web/usul")
    status, body = await user.post("/web/usul", {"provinsi": "32", "lanjut": "1",
                                                 "nama": "Ujang"})
    assert status == 200 and "Kota Bandung" in body and 'value="Ujang"' in body
    assert "Laporan Anda terkirim" not in body and 'class="errors"' not in body
    status, body = await user.post("/web/cekbansos", {**DESA, "desa": "", "lanjut": "1",
                                                      "nama": "Siti"})
    assert status == 200 and "Sukarasa" in body and 'id="hasil"' not in body
    assert (await user.post("/web/usul", {"provinsi": "32", "lanjut": "1"}, csrf=False)
            )[0] == 403


async def test_an_usul_gets_a_receipt_whose_status_the_receipt_page_shows(site) -> None:
    client, _ = site
    user = WebUser(client)
    await user.get("/web/usul", **DESA)
    status, body = await user.post("/web/usul", {
        **DESA, "nama": "Ujang Sunarya", "alamat": "Gg. Mawar 3 RT 02",
        "keterangan": "janda, tiga anak, rumah bocor", "nik": "", "kk": "",
        "pengirim": "", "kontak": ""})
    assert status == 200 and "Laporan Anda terkirim" in body, body
    receipt = body.split('id="nomor-tanda-terima">')[1].split("<")[0]
    assert receipt.startswith("32.73:")
    status, body = await user.get("/web/tanda-terima", nomor=receipt)
    assert status == 200 and "Diterima, menunggu operator desa" in body
    status, body = await user.get("/web/tanda-terima", nomor="32.73:" + "0" * 32)
    assert status == 404


async def test_a_refused_usul_says_in_indonesian_what_to_fix(site) -> None:
    client, _ = site
    user = WebUser(client)
    await user.get("/web/usul")
    status, body = await user.post("/web/usul", {
        **DESA, "nama": "Ujang", "alamat": "Gg. Mawar", "keterangan": "miskin",
        "nik": "12345", "kk": "", "pengirim": "", "kontak": ""})
    assert status == 400 and "NIK harus 16 angka sesuai KTP." in body, body
    assert 'value="Ujang"' in body  # what was typed is kept
    status, body = await user.post("/web/usul", {"nama": "Ujang", "alamat": "x",
                                                 "keterangan": "y"})
    assert status == 400 and "Pilih provinsi, kab/kota, kecamatan, dan desa." in body


async def test_a_sanggah_with_a_photo_and_position_gets_a_receipt(site) -> None:
    client, _ = site
    user = WebUser(client)
    await user.get("/web/sanggah", **DESA)
    form = {**DESA, "csrf_token": user.csrf, "nama": "Budi Santoso", "alamat": "Jl. Contoh 1",
            "keterangan": "punya dua mobil", "program": "PKH", "lintang": "-6,9147",
            "bujur": "107.6098", "pengirim": "", "kontak": ""}
    data = FormData(form)
    data.add_field("foto", JPEG, filename="rumah.jpg",
                   content_type="image/jpeg")
    status, body = await user.post("/web/sanggah", data)
    assert status == 200 and "Laporan Anda terkirim" in body, body
    data = FormData({**form, "lintang": "utara"})
    data.add_field("foto", JPEG, filename="rumah.jpg",
                   content_type="image/jpeg")
    status, body = await user.post("/web/sanggah", data)
    assert status == 400 and "Isi lokasi dengan angka" in body
    status, body = await user.post("/web/sanggah", FormData(form))
    assert status == 400 and "Lampirkan foto rumah (JPEG atau PNG)." in body
    data = FormData(form)
    data.add_field("foto", b"not a photo", filename="rumah.jpg", content_type="image/jpeg")
    status, body = await user.post("/web/sanggah", data)
    assert status == 400 and "Foto bukan berkas JPEG atau PNG." in body


async def _logged_in(client, username: str) -> WebUser:  # type: ignore[no-untyped-def]
    user = WebUser(client)
    await user.get("/web/masuk")
    status, _ = await user.post("/web/masuk", {"username": username, "password": PASSWORD,
                                               "next": "/web/mitra"})
    assert status == 303 and user.last.headers["Location"] == "/web/mitra"
    return user


async def test_a_partner_logs_in_checks_a_nik_file_and_downloads_the_csv(site) -> None:
    client, siti = site
    await refresh_snapshots(client.app[SERVICES])
    user = WebUser(client)
    status, _ = await user.get("/web/mitra")
    assert status == 303 and user.last.headers["Location"] == "/web/masuk?next=/web/mitra"
    before = user.cookies.get("siks_session")
    user = await _logged_in(client, "mitrakementan")
    assert user.cookies["siks_session"] != before
    status, body = await user.get("/web/mitra")
    assert status == 200 and "mitrakementan" in body
    head, unknown = siti.members[0].nik, "3273014707770001"
    data = FormData({"csrf_token": user.csrf})
    data.add_field("berkas", f"nik\n{head}\n\n{unknown}\n".encode(), filename="nik.csv",
                   content_type="text/csv")
    status, body = await user.post("/web/mitra", data)
    assert status == 200, body
    table = body[body.index('id="hasil-tabel"'):]
    assert f"<td>{head}</td>" in table and f"<td>{unknown}</td>" in table
    assert "2 NIK diperiksa" in table and "PKH 2026-S1" in table
    status, csv_text = await user.post("/web/mitra", {"niks": f"{head}\n{unknown}",
                                                      "format": "csv"})
    assert status == 200 and user.last.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in user.last.headers["Content-Disposition"]
    assert csv_text.lstrip("\ufeff").splitlines() == [
        "NIK,Terdaftar di DTKS,Desil,Program", f"{head},ya,3-4,PKH:2026-S1 BPNT:2026-S1",
        f"{unknown},tidak,,"]
    status, body = await user.post("/web/mitra", {"niks": "\n".join(
        str(3273010000000000 + i) for i in range(1001))})
    assert status == 400 and "Berkas berisi 1001 NIK; paling banyak 1000" in body
    status, _ = await user.post("/web/keluar", {})
    assert status == 303
    assert (await user.get("/web/mitra"))[0] == 303  # logged out


async def test_a_wrong_password_or_a_role_without_cross_check_is_told_what_to_do(site) -> None:
    client, siti = site
    user = WebUser(client)
    await user.get("/web/masuk")
    status, body = await user.post("/web/masuk", {"username": "mitrakementan",
                                                  "password": "salah-salah-salah"})
    assert status == 401 and "Nama pengguna atau kata sandi salah." in body
    dinsos = await _logged_in(client, "dinsosbandung")
    status, _ = await dinsos.post("/web/mitra", {"niks": siti.members[0].nik})
    assert status == 403  # the CSRF token seen before the login is void after it
    await dinsos.get("/web/mitra")
    status, body = await dinsos.post("/web/mitra", {"niks": siti.members[0].nik})
    assert status == 400
    assert "Akun Anda tidak berwenang melihat sebagian data ini." in body


async def test_the_assets_are_served_from_the_gateway_with_their_content_types(site) -> None:
    client, _ = site
    for name, path in asset_files().items():
        response = await client.get(f"/web/assets/{name}")
        assert response.status == 200 and await response.read() == path.read_bytes()
        assert response.headers["Content-Type"].split(";")[0] in ("text/javascript",
                                                                 "text/css", "image/png")
    assert (await client.get("/web/assets/../../gateway/config.py")).status == 404
    assert (await client.get("/web/assets/htmx.org-2.0.4/LICENSE")).status == 404
    assert (await client.get("/web/assets/leaflet-1.9.4/LICENSE")).status == 404


def test_the_session_key_comes_from_its_own_setting_or_the_directory_secret() -> None:
    from gateway.config import GatewayConfig
    from gateway.errors import ConfigError
    from service_kit.web.session import session_key

    base = {"SIKS_GATEWAY_DB_URL": "sqlite:///x.db", "SIKS_GATEWAY_DIRECTORY_SECRET": "d" * 32}
    derived = GatewayConfig.from_env(base)
    own = GatewayConfig.from_env({**base, "SIKS_GATEWAY_WEB_SESSION_KEY": "w" * 32})
    assert session_key(derived.web_session_secret) != session_key(own.web_session_secret)
    assert session_key(derived.web_session_secret) != session_key("d" * 31 + "e")
    with pytest.raises(ConfigError, match="SIKS_GATEWAY_WEB_SESSION_KEY must be at least 32"):
        GatewayConfig.from_env({**base, "SIKS_GATEWAY_WEB_SESSION_KEY": "short"})


async def test_too_many_public_requests_say_to_wait_in_the_pages_language(
        cluster: NodeCluster, dev_pki, tmp_path, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster,
                                  public_rate="1/1")
    user = WebUser(client)
    assert "Jawa Barat" in (await user.get("/web/cekbansos"))[1]  # the one request allowed
    status, body = await user.get("/web/cekbansos")
    assert "Terlalu banyak permintaan dari koneksi ini. Tunggu satu menit lalu coba lagi." in body
    status, fragment = await user.get("/web/wilayah", provinsi="32")  # what htmx swaps in
    assert fragment.startswith('<fieldset id="region-picker"') and "Tunggu satu menit" in fragment
    english = WebUser(client, accept_language="en")
    body = (await english.get("/web/cekbansos"))[1]
    assert "Too many requests from this connection. Wait a minute and try again." in body


async def test_a_kabkota_whose_node_does_not_answer_says_to_try_later(
        site, cluster: NodeCluster) -> None:
    client, _ = site
    user = WebUser(client)
    await user.get("/web/cekbansos")
    cluster.hanging.add("32.73")
    status, body = await user.post("/web/cekbansos", {**DESA, "nama": "Siti Aminah"})
    assert "Server kab/kota" in body and "Coba lagi nanti." in body, body
