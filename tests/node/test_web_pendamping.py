"""The Pendamping's field-visit page and its two JSON endpoints at a real node app (SQLite and
PostgreSQL): the page lists the kecamatan's households with the script's texts from the
catalogue; a photo goes through the node's own upload and a visit through
recordFieldVerification with the phone's UUID, under the web session and a CSRF header, so
the same visit sent twice is one row; refusals say in Indonesian what to do; the service
worker names only what the page needs; a visited proposal is verified with the page's form
(refused before its visit, and to an operator)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from regional_node.adapters import orm
from regional_node.adapters.orm import AuditEntry, FieldVerification, Household, Photo
from regional_node.service_layer.unit_of_work import Actor, UnitOfWork
from regional_node.service_layer.users import NewUser, add_user
from schema.roles import Role
from schema.web import asset_files, asset_url
from tests import factories
from tests.gateway.web_helpers import WebUser
from tests.node.field_helpers import BANDUNG, BANDUNG_50M_EAST, jpeg
from tests.node.helpers import store

PASSWORD = "kata-sandi-pendamping"
KECAMATAN, DESA, OTHER_KECAMATAN_DESA = "32.73.01", "32.73.01.1001", "32.73.02.1001"


async def _add_user(database: Any, username: str, role: Role, scope: str) -> None:
    async with UnitOfWork(database, Actor("test:admin", "SYSTEM")) as uow:
        await add_user(uow, NewUser(username, PASSWORD, role, scope))
        await uow.commit()


async def _login(client: TestClient, username: str) -> WebUser:
    user = WebUser(client)
    await user.get("/web/masuk")
    status, _ = await user.post("/web/masuk", {"username": username, "password": PASSWORD,
                                               "next": "/web/verifikasi"})
    assert status == 303 and user.last.headers["Location"] == "/web/verifikasi"
    return user


@pytest.fixture
async def area(node_database) -> dict[str, int]:  # type: ignore[no-untyped-def]
    here = factories.household(DESA, head_name="Siti Aminah")
    there = factories.household(OTHER_KECAMATAN_DESA, head_name="Orang Cipaganti")
    [here_id, there_id] = await store(node_database, [here, there])
    await _add_user(node_database, "pendamping-01", Role.PENDAMPING, KECAMATAN)
    await _add_user(node_database, "operatorsukarasa", Role.OPERATOR_DESA, DESA)
    return {"here": here_id, "there": there_id}


async def _send(user: WebUser, path: str, body: bytes | str, content_type: str,
                csrf: str | None, **headers: str) -> tuple[int, dict[str, Any]]:
    sent = {**user._cookie_header(), "Content-Type": content_type, **headers}
    if csrf is not None:
        sent["X-CSRF-Token"] = csrf
    response = await user.client.post(path, data=body, headers=sent)
    return response.status, await response.json()


async def _csrf(user: WebUser) -> str:
    response = await user.client.get("/web/verifikasi/sesi", headers=user._cookie_header())
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    body = await response.json()
    assert body["username"] == "pendamping-01"
    return str(body["csrf"])


async def _photo(user: WebUser, csrf: str | None, content: bytes) -> tuple[int, dict[str, Any]]:
    return await _send(user, "/web/verifikasi/foto", content, "image/jpeg", csrf,
                       **{"X-SIKS-Upload": "photo"})


async def _visit(user: WebUser, csrf: str | None, **fields: Any) -> tuple[int, dict[str, Any]]:
    return await _send(user, "/web/verifikasi/kunjungan", json.dumps(fields),
                       "application/json", csrf)


async def test_the_page_lists_the_kecamatans_households_with_its_texts_from_the_catalogue(
        node_client, area) -> None:
    user = WebUser(node_client)
    status, _ = await user.get("/web/verifikasi")
    assert status == 303 and user.last.headers["Location"] == "/web/masuk?next=/web/verifikasi"
    user = await _login(node_client, "pendamping-01")
    status, body = await user.get("/web/verifikasi")
    assert status == 200
    assert "Siti Aminah" in body and "Orang Cipaganti" not in body
    assert f'<option value="{area["here"]}">' in body
    assert 'accept="image/*" capture="environment"' in body
    assert 'data-text-count="Kunjungan menunggu dikirim: {count}"' in body
    assert 'data-text-offline="Tidak ada sinyal.' in body
    assert 'data-username="pendamping-01"' in body and 'data-worker="/web/pendamping-sw.js"' in body
    assert "Kirim sekarang" in body and "Kunjungan lapangan" in body
    assert "worker-src 'self'" in user.last.headers["Content-Security-Policy"]
    script = asset_url("siks/pendamping.js")
    assert re.search(rf'<script src="{re.escape(script)}" integrity="sha384-[^"]+" defer>', body)


async def test_the_page_and_its_scripts_texts_are_in_english_for_an_english_browser(
        node_client, area) -> None:
    user = WebUser(node_client, accept_language="en-GB,en;q=0.8")
    await user.get("/web/masuk")
    await user.post("/web/masuk", {"username": "pendamping-01", "password": PASSWORD})
    status, body = await user.get("/web/verifikasi")
    assert status == 200 and "<h1>Field visits</h1>" in body
    assert 'data-text-count="Visits waiting to be sent: {count}"' in body
    assert 'data-text-waiting="Waiting to be sent"' in body and "Send now" in body


async def test_an_operator_desa_is_told_the_page_is_for_a_pendamping(node_client, area) -> None:
    user = await _login(node_client, "operatorsukarasa")
    status, body = await user.get("/web/verifikasi")
    assert status == 403 and "Hanya pendamping yang mencatat kunjungan lapangan." in body
    assert 'id="kunjungan"' not in body
    csrf = user.csrf
    status, answer = await _visit(user, csrf, id=str(uuid.uuid4()), photoSha256="0" * 64,
                                  householdId=str(area["here"]), latitude=-6.9, longitude=107.6)
    assert status == 403 and answer["errors"][0]["extensions"] == {"code": "FORBIDDEN",
                                                                   "reason": "role"}


async def test_a_visit_sent_twice_is_stored_once(node_client, node_database, area) -> None:
    user = await _login(node_client, "pendamping-01")
    await user.get("/web/verifikasi")
    csrf = await _csrf(user)
    assert csrf == user.csrf  # the page's token, fresh from the session
    content = jpeg(gps=BANDUNG, seed=3)
    status, photo = await _photo(user, csrf, content)
    assert status == 201 and photo["exifPosition"] == {"latitude": BANDUNG[0],
                                                       "longitude": BANDUNG[1]}
    status, again = await _photo(user, csrf, content)
    assert status == 200 and again["sha256"] == photo["sha256"] and not again["created"]
    visit = {"id": str(uuid.uuid4()), "photoSha256": photo["sha256"],
             "householdId": str(area["here"]), "latitude": BANDUNG_50M_EAST[0],
             "longitude": BANDUNG_50M_EAST[1], "note": "dinding bilik"}
    status, first = await _visit(user, csrf, **visit)
    assert status == 200 and first["id"] == visit["id"] and first["flags"] == []
    assert re.fullmatch(r"\d{4}-S[12]", first["period"])
    status, second = await _visit(user, csrf, **visit)
    assert status == 200 and second == first
    async with node_database.reader() as session:
        rows = (await session.scalars(select(FieldVerification))).all()
        photos = await session.scalar(select(func.count()).select_from(Photo))
        audited = await session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "field_verification.record"))
    assert [(r.id, r.household_id, r.verified_by, r.note) for r in rows] == [
        (visit["id"], area["here"], "user:pendamping-01", "dinding bilik")]
    assert photos == 1 and audited == 1
    status, conflict = await _visit(user, csrf, **{**visit, "note": "lain"})
    assert status == 409 and conflict["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert conflict["errors"][0]["message"].startswith("Data ini diubah orang lain")


async def test_refusals_are_json_with_what_to_do_in_indonesian(node_client, node_database,
                                                               area) -> None:
    user = await _login(node_client, "pendamping-01")
    csrf = await _csrf(user)
    content = jpeg(gps=BANDUNG, seed=4)
    status, answer = await _photo(user, None, content)
    assert status == 403 and answer["errors"][0]["extensions"] == {"code": "FORBIDDEN",
                                                                   "reason": "csrf"}
    assert answer["errors"][0]["message"].startswith("Formulir sudah kedaluwarsa")
    status, answer = await _photo(user, "another-token", content)
    assert status == 403
    status, answer = await _send(user, "/web/verifikasi/foto", content, "image/jpeg", csrf)
    assert status == 403 and answer["errors"][0]["extensions"]["reason"] == "upload_header"
    assert answer["errors"][0]["message"].startswith("Akun Anda tidak berwenang")
    status, answer = await _send(user, "/web/verifikasi/foto", b"not a photo", "image/jpeg",
                                 csrf, **{"X-SIKS-Upload": "photo"})
    assert status == 400 and answer["errors"][0]["extensions"]["reason"] == "not_jpeg"
    assert answer["errors"][0]["message"] == (
        "Foto ini tidak dapat dipakai (bukan JPEG utuh, atau terlalu besar). Ambil lagi.")
    _, photo = await _photo(user, csrf, content)
    visit = {"id": str(uuid.uuid4()), "photoSha256": photo["sha256"],
             "householdId": str(area["there"]), "latitude": BANDUNG[0],
             "longitude": BANDUNG[1]}
    status, answer = await _visit(user, csrf, **visit)
    assert status == 403 and answer["errors"][0]["extensions"]["code"] == "OUT_OF_SCOPE"
    assert answer["errors"][0]["message"].startswith("Data ini di luar wilayah kerja akun Anda")
    status, answer = await _visit(user, csrf, **{**visit, "latitude": "utara"})
    assert status == 400 and answer["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    status, answer = await _visit(user, None, **{**visit, "householdId": str(area["here"])})
    assert status == 403
    async with node_database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(FieldVerification)) == 0
        assert await session.get(Household, area["there"]) is not None


async def test_without_a_session_the_endpoints_answer_401_and_a_bearer_token_is_not_enough(
        node_client, area) -> None:
    response = await node_client.get("/web/verifikasi/sesi")
    assert response.status == 401
    body = await response.json()
    assert body["errors"][0]["message"] == "Sesi Anda telah berakhir. Silakan masuk lagi."
    from schema.roles import Principal
    from tests.node.helpers import token_for

    token = token_for(node_client, Principal("pendamping-01", Role.PENDAMPING,
                                             region=KECAMATAN))
    response = await node_client.post(
        "/web/verifikasi/foto", data=jpeg(seed=5),
        headers={"Authorization": f"Bearer {token}", "X-SIKS-Upload": "photo",
                 "Content-Type": "image/jpeg"})
    assert response.status == 401


async def test_the_service_worker_keeps_the_page_and_every_asset_it_loads(node_client) -> None:
    response = await node_client.get("/web/pendamping-sw.js")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; connect-src 'self'"
    source = await response.text()
    precache = json.loads(re.match(r"var PRECACHE = (\[.*\]);\n", source).group(1))
    assert precache[0] == "/web/verifikasi"
    assert sorted(precache[1:]) == sorted(asset_url(name) for name in asset_files())
    for url in precache[1:]:
        assert (await node_client.get(url)).status == 200
    assert "http://" not in source and "https://" not in source


async def _graduation_waiting_for_a_visit(database: Any, household_id: int) -> str:
    """A graduation proposal the NIK check has passed: the next step is the field visit."""
    pid = str(uuid.uuid4())
    async with database.writer() as session, session.begin():
        session.add(orm.Proposal(
            id=pid, kind="GRADUATION", state="NIK_VALID", desa_code=DESA,
            household_id=household_id, details={"graduation": {"reason": "mampu"}},
            details_digest="0" * 64, created_by="user:operatorsukarasa",
            created_role="OPERATOR_DESA"))
        await session.flush()
        session.add(orm.ProposalEvent(proposal_id=pid, action="CREATE", to_state="DRAFT",
                                      actor="user:operatorsukarasa", role="OPERATOR_DESA"))
    return pid


async def test_a_proposal_waiting_for_its_field_visit_can_be_the_visits_target(
        node_client, node_database, area) -> None:
    pid = await _graduation_waiting_for_a_visit(node_database, area["here"])
    user = await _login(node_client, "pendamping-01")
    status, body = await user.get("/web/verifikasi")
    assert status == 200 and "Usulan yang menunggu kunjungan lapangan" in body
    assert f'<option value="usulan:{pid}">Usulan: Graduasi · Sukarasa · {pid[:8]}</option>' in body
    csrf = await _csrf(user)
    _, photo = await _photo(user, csrf, jpeg(gps=BANDUNG, seed=6))
    visit = {"id": str(uuid.uuid4()), "photoSha256": photo["sha256"], "proposalId": pid,
             "latitude": BANDUNG[0], "longitude": BANDUNG[1]}
    for _ in range(2):
        status, recorded = await _visit(user, csrf, **visit)
        assert status == 200 and recorded["id"] == visit["id"]
    async with node_database.reader() as session:
        rows = (await session.scalars(select(FieldVerification))).all()
    assert [(r.proposal_id, r.household_id) for r in rows] == [(pid, area["here"])]
    status, answer = await _visit(user, csrf, **{**visit, "id": str(uuid.uuid4()),
                                                 "householdId": str(area["here"])})
    assert status == 400 and answer["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_a_visited_proposal_is_verified_from_the_page(node_client, node_database,
                                                            area) -> None:
    pid = await _graduation_waiting_for_a_visit(node_database, area["here"])
    user = await _login(node_client, "pendamping-01")
    status, body = await user.get("/web/verifikasi")
    assert status == 200 and "Verifikasi usulan yang sudah dikunjungi" in body
    assert f'action="/web/verifikasi/usulan/{pid}/terverifikasi"' in body
    path = f"/web/verifikasi/usulan/{pid}/terverifikasi"
    status, body = await user.post(path, {})  # no visit yet: refused, says what to do
    assert status == 409
    assert "belum menerima kunjungan lapangan untuk usulan ini" in body
    status, _ = await user.post(path, {}, csrf=False)
    assert status == 403
    csrf = await _csrf(user)
    _, photo = await _photo(user, csrf, jpeg(gps=BANDUNG, seed=7))
    status, _ = await _visit(user, csrf, id=str(uuid.uuid4()), photoSha256=photo["sha256"],
                             proposalId=pid, latitude=BANDUNG[0], longitude=BANDUNG[1])
    assert status == 200
    await user.get("/web/verifikasi")
    status, _ = await user.post(path, {})
    assert status == 303 and user.last.headers["Location"] == \
        f"/web/verifikasi?terverifikasi={pid}"
    status, body = await user.get("/web/verifikasi", terverifikasi=pid)
    assert f"Usulan {pid[:8]} sudah diverifikasi." in body
    assert f'action="{path}"' not in body  # no longer waiting for its visit
    async with node_database.reader() as session:
        assert (await session.get(orm.Proposal, pid)).state == "VERIFIED"  # type: ignore[union-attr]
    status, body = await user.post(path, {})  # again: the state moved on
    assert status == 409 and "Muat ulang halaman" in body


async def test_an_operator_cannot_verify_from_the_page(node_client, node_database,
                                                       area) -> None:
    pid = await _graduation_waiting_for_a_visit(node_database, area["here"])
    user = await _login_as_operator(node_client)
    status, body = await user.post(f"/web/verifikasi/usulan/{pid}/terverifikasi", {})
    assert status == 403
    async with node_database.reader() as session:
        assert (await session.get(orm.Proposal, pid)).state == "NIK_VALID"  # type: ignore[union-attr]


async def _login_as_operator(client: TestClient) -> WebUser:
    user = WebUser(client)
    await user.get("/web/masuk")
    status, _ = await user.post("/web/masuk", {"username": "operatorsukarasa",
                                               "password": PASSWORD, "next": "/web/"})
    assert status == 303
    return user


async def test_a_proposal_that_does_not_match_is_rejected_with_a_reason(
        node_client, node_database, area) -> None:
    pid = await _graduation_waiting_for_a_visit(node_database, area["here"])
    user = await _login(node_client, "pendamping-01")
    status, body = await user.get("/web/verifikasi")
    path = f"/web/verifikasi/usulan/{pid}/ditolak"
    assert f'action="{path}"' in body and "Tidak sesuai: tolak" in body
    status, body = await user.post(path, {"alasan": "  "})  # no reason: nothing is sent
    assert status == 400 and "Tulis alasan penolakan: operator desa membacanya." in body
    status, body = await user.post(path, {"alasan": "x" * 2001})
    assert status == 400 and "Alasan terlalu panjang" in body
    status, _ = await user.post(path, {"alasan": "usaha warung"}, csrf=False)
    assert status == 403
    async with node_database.reader() as session:
        assert (await session.get(orm.Proposal, pid)).state == "NIK_VALID"  # type: ignore[union-attr]
    status, _ = await user.post(path, {"alasan": "rumah permanen, ada mobil di garasi"})
    assert status == 303 and user.last.headers["Location"] == f"/web/verifikasi?ditolak={pid}"
    status, body = await user.get("/web/verifikasi", ditolak=pid)
    assert f"Usulan {pid[:8]} ditolak. Operator desa melihat alasan Anda." in body
    async with node_database.reader() as session:
        proposal = await session.get(orm.Proposal, pid)
    assert proposal is not None and (proposal.state, proposal.reason) == (
        "REJECTED", "rumah permanen, ada mobil di garasi")
