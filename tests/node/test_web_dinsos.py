"""Dinas Sosial's web pages over HTTP with a real node app on SQLite: the review queue (list,
detail, approve, reject with a reason), verivali coverage per desa, data warnings (a
cross-region duplicate among them) and their resolution, households to review after a return,
suspended aid; and every refusal a person can meet there, said in words: an operator may not
approve, a rejection needs a reason, another kab/kota's proposal, a proposal not yet verified,
a form without its CSRF token. The pages are clients of the node's GraphQL API: its field
policy, scope and state rules are what refuse."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from certs.envelope import make_header, sign_envelope
from certs.identity import Identity
from certs.signing import SigningCredentials
from certs.trust import CertificateStore
from regional_node.adapters.orm import AuditEntry
from regional_node.domain.audit import Actor
from regional_node.service_layer.decisions import receive_decision
from regional_node.service_layer.importer import import_households
from schema.enums import Program
from schema.sync_messages import DuplicateFinding, duplicate_message
from tests import factories
from tests.gateway.web_helpers import WebUser
from tests.node.cycle_helpers import household_rows, registered
from tests.node.dinsos_web_helpers import PASSWORD, add_users, logged_in, verified
from tests.node.field_helpers import field_visit
from tests.node.import_files import generate_households, implausible, person_rows, write_csv
from tests.node.proposal_helpers import (
    DINSOS,
    PENDAMPING,
    Node,
    data,
    household_input,
    running_node,
    upload_minutes,
)
from tests.node.test_household_review import under_review
from tests.sync.world import SECRET

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
STATE = "query($id: ID!) { proposal(id: $id) { state reason } }"


@pytest.fixture
async def node(database_url: str, aiohttp_client: Any, tmp_path: Any) -> AsyncIterator[Node]:
    async for running in running_node(database_url, aiohttp_client, tmp_path):
        await add_users(running)
        yield running


async def _moved(node: Node, **kwargs: Any) -> tuple[int, str]:
    household_id, _ = await registered(node, Program.BPNT)
    pid = await verified(node, {"moved": {"householdId": str(household_id),
                                          "movedOn": "2026-03-01",
                                          "destination": "Kab. Garut"}}, **kwargs)
    return household_id, pid


async def _state(node: Node, pid: str) -> dict[str, Any]:
    return data(await node.call(DINSOS, STATE, id=pid), "proposal")


async def test_the_pages_need_a_login(node: Node) -> None:
    response = await node.client.get("/web/dinsos/usulan", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/web/masuk?next=/web/dinsos/usulan"


async def test_the_queue_lists_verified_proposals_and_the_detail_says_what_changes(
        node: Node) -> None:
    _, pid = await _moved(node)
    _, waiting = await _moved(node, state="NIK_VALID")
    user = await logged_in(node, "dinsosbandung")
    status, body = await user.get("/web/dinsos")
    assert status == 200 and 'href="/web/dinsos/usulan"' in body
    status, body = await user.get("/web/dinsos/usulan")
    assert status == 200 and "Terverifikasi di lapangan, menunggu keputusan Anda" in body
    assert f'href="/web/dinsos/usulan/{pid}"' in body and waiting not in body
    assert "Pindah · Sukarasa" in body and "Diusulkan oleh op-bandung-1001 (OPERATOR_DESA)" in body
    status, body = await user.get("/web/dinsos/usulan", status="NIK_VALID")
    assert waiting in body and pid not in body
    status, body = await user.get(f"/web/dinsos/usulan/{pid}")
    assert status == 200
    for shown in ("Pindah", "Sukarasa (32.73.01.1001)", "op-bandung-1001 (OPERATOR_DESA)",
                  "<td>Tanggal pindah</td><td>2026-03-01</td>",
                  "<td>Tujuan</td><td>Kab. Garut</td>", PENDAMPING.user_id,
                  "tidak ada (tidak diperlukan untuk jenis ini)", 'id="setujui"',
                  'name="alasan"'):
        assert shown in body, shown


async def test_the_detail_shows_the_musdes_reference_and_the_new_members(node: Node) -> None:
    record = factories.household("32.73.01.1001", members=2)
    await node.sandbox.add_members([record])
    sha = await upload_minutes(node)
    pid = await verified(node, {"newHousehold": household_input(record)}, musdes={
        "heldOn": "2026-01-15", "minutesNumber": "BA/12/I/2026", "minutesSha256": sha})
    user = await logged_in(node, "dinsosbandung")
    status, body = await user.get(f"/web/dinsos/usulan/{pid}")
    assert status == 200 and "Rumah tangga baru" in body
    assert "match status" not in body and "<td>Rumah tangga · status</td>" not in body
    assert "<td>Rumah tangga · Anggota · 1 · Hidup</td>" not in body
    assert "berita acara no. BA/12/I/2026, tanggal 2026-01-15" in body and sha in body
    assert f"<td>Rumah tangga · Nomor KK</td><td>{record.kk_number}</td>" in body
    for member in record.members:
        assert member.nik in body and member.name in body


async def test_dinas_sosial_approves_and_the_registry_changes(node: Node) -> None:
    household_id, pid = await _moved(node)
    user = await logged_in(node, "dinsosbandung")
    await user.get(f"/web/dinsos/usulan/{pid}")
    status, _ = await user.post(f"/web/dinsos/usulan/{pid}/setujui", {})
    assert status == 303
    assert user.last.headers["Location"] == f"/web/dinsos/usulan/{pid}?selesai=setuju"
    status, body = await user.get(f"/web/dinsos/usulan/{pid}", selesai="setuju")
    assert "Disetujui: perubahan sudah masuk registri." in body
    assert "Disetujui kab/kota" in body and 'id="setujui"' not in body
    assert (await _state(node, pid))["state"] == "APPROVED_KABKOTA"
    household, _, _ = await household_rows(node, household_id)
    assert (household.status, household.inactive_reason) == ("INACTIVE", "MOVED")


async def test_dinas_sosial_rejects_with_a_reason(node: Node) -> None:
    _, pid = await _moved(node)
    user = await logged_in(node, "dinsosbandung")
    await user.get(f"/web/dinsos/usulan/{pid}")
    status, _ = await user.post(f"/web/dinsos/usulan/{pid}/tolak",
                                {"alasan": "Keluarga masih tinggal di alamat lama"})
    assert status == 303
    status, body = await user.get(f"/web/dinsos/usulan/{pid}", selesai="tolak")
    assert "Ditolak: operator desa melihat alasan Anda." in body
    assert "Ditolak: Keluarga masih tinggal di alamat lama" in body
    assert await _state(node, pid) == {"state": "REJECTED",
                                       "reason": "Keluarga masih tinggal di alamat lama"}


async def test_a_rejection_without_a_reason_is_refused(node: Node) -> None:
    _, pid = await _moved(node)
    user = await logged_in(node, "dinsosbandung")
    await user.get(f"/web/dinsos/usulan/{pid}")
    status, body = await user.post(f"/web/dinsos/usulan/{pid}/tolak", {"alasan": "   "})
    assert status == 400 and 'role="alert"' in body
    assert "Tulis alasan penolakan: operator desa membacanya." in body
    status, body = await user.post(f"/web/dinsos/usulan/{pid}/tolak", {"alasan": "x" * 2001})
    assert status == 400 and "Alasan terlalu panjang (paling banyak 2.000 karakter)" in body
    assert (await _state(node, pid))["state"] == "VERIFIED"


async def test_an_operator_may_not_approve(node: Node) -> None:
    _, pid = await _moved(node)
    user = await logged_in(node, "operatorsukarasa")
    status, body = await user.get(f"/web/dinsos/usulan/{pid}")
    assert status == 200  # the desa's own proposal: the operator may read it
    status, body = await user.post(f"/web/dinsos/usulan/{pid}/setujui", {})
    assert status == 403
    assert "Hanya Dinas Sosial kab/kota yang boleh melakukan ini." in body
    status, body = await user.post(f"/web/dinsos/usulan/{pid}/tolak", {"alasan": "tidak"})
    assert status == 403
    assert (await _state(node, pid))["state"] == "VERIFIED"


async def test_another_kabkotas_dinas_sosial_sees_nothing_and_may_not_act(node: Node) -> None:
    _, pid = await _moved(node)
    user = await logged_in(node, "dinsossurabaya")
    status, body = await user.get("/web/dinsos/usulan")
    assert pid not in body
    status, body = await user.get(f"/web/dinsos/usulan/{pid}")
    assert status == 404 and 'id="usulan"' not in body
    assert "Usulan ini tidak ada di wilayah Anda, atau tidak ada. Kembali ke antrean." in body
    status, body = await user.get("/web/dinsos/usulan/00000000-0000-4000-8000-000000000000")
    assert status == 404 and "Usulan ini tidak ada di wilayah Anda, atau tidak ada." in body
    status, body = await user.post(f"/web/dinsos/usulan/{pid}/setujui", {})
    assert status == 403 and "di luar wilayah kerja akun Anda" in body
    assert (await _state(node, pid))["state"] == "VERIFIED"


async def test_a_proposal_not_yet_verified_cannot_be_approved(node: Node) -> None:
    _, pid = await _moved(node, state="NIK_VALID")
    user = await logged_in(node, "dinsosbandung")
    status, body = await user.get(f"/web/dinsos/usulan/{pid}")
    assert 'id="setujui"' not in body and 'name="alasan"' not in body  # nothing to decide yet
    status, body = await user.post(f"/web/dinsos/usulan/{pid}/setujui", {})
    assert status == 409
    assert "Ini tidak dapat dilakukan pada keadaannya sekarang. Muat ulang halaman" in body
    assert (await _state(node, pid))["state"] == "NIK_VALID"


async def test_an_action_without_the_csrf_token_is_refused(node: Node) -> None:
    _, pid = await _moved(node)
    user = await logged_in(node, "dinsosbandung")
    status, body = await user.post(f"/web/dinsos/usulan/{pid}/setujui", {}, csrf=False)
    assert status == 403 and "Formulir sudah kedaluwarsa" in body
    status, _ = await user.post(f"/web/dinsos/usulan/{pid}/setujui", {"csrf_token": "palsu"},
                                csrf=False)
    assert status == 403
    assert (await _state(node, pid))["state"] == "VERIFIED"


async def test_verivali_coverage_per_desa(node: Node) -> None:
    household_id, _ = await registered(node)
    await registered(node)
    visit = await field_visit(node, PENDAMPING, household_id=household_id)
    user = await logged_in(node, "dinsosbandung")
    status, body = await user.get("/web/dinsos/verivali")
    assert status == 200 and f'value="{visit["period"]}" selected' in body
    assert "50.0% terverifikasi: 1 dari 2 rumah tangga aktif" in body
    assert "<td>Sukarasa (32.73.01.1001)</td><td>1</td><td>2</td><td>50.0</td>" in body


async def test_verivali_without_a_period_says_so(node: Node) -> None:
    user = await logged_in(node, "dinsosbandung")
    status, body = await user.get("/web/dinsos/verivali")
    assert status == 200 and "Belum ada periode verivali" in body


@pytest.fixture
async def warnings(node: Node, tmp_path: Path) -> list[dict[str, str]]:
    rows = person_rows(generate_households(3))
    implausible(rows)
    report = await import_households(node.database, write_csv(tmp_path / "dtks.csv", rows),
                                     node_region="32.73", actor=Actor("cli:op", "DINSOS"))
    assert report.warnings_stored == 4
    return rows


async def test_warnings_are_listed_counted_and_resolved_with_a_note(node: Node,
                                                                    warnings: Any) -> None:
    user = await logged_in(node, "dinsosbandung")
    status, body = await user.get("/web/dinsos/peringatan")
    assert status == 200 and "4 peringatan" in body
    assert "Anak lebih tua dari kepala keluarga" in body and 'id="ringkasan"' in body
    status, body = await user.get("/web/dinsos/peringatan", jenis="BORN_BEFORE_1900")
    assert "1 peringatan" in body
    [warning_id] = re.findall(r'action="/web/dinsos/peringatan/([^/"]+)/selesai"', body)
    status, body = await user.post(f"/web/dinsos/peringatan/{warning_id}/selesai",
                                   {"catatan": " "})
    assert status == 400 and "Tulis catatan tentang apa yang Anda periksa" in body
    status, _ = await user.post(f"/web/dinsos/peringatan/{warning_id}/selesai",
                                {"catatan": "Akta kelahiran diperiksa"})
    assert status == 303 and user.last.headers["Location"] == "/web/dinsos/peringatan?selesai=1"
    status, body = await user.get("/web/dinsos/peringatan", selesai="1")
    assert "3 peringatan" in body and "Peringatan selesai; catatan Anda disimpan." in body
    status, body = await user.get("/web/dinsos/peringatan", status="selesai")
    assert "1 peringatan" in body and "Akta kelahiran diperiksa" in body


async def test_an_operator_may_not_resolve_a_warning(node: Node, warnings: Any) -> None:
    dinsos = await logged_in(node, "dinsosbandung")
    _, body = await dinsos.get("/web/dinsos/peringatan")
    warning_id = re.findall(r'action="/web/dinsos/peringatan/([^/"]+)/selesai"', body)[0]
    user = await logged_in(node, "operatorsukarasa")
    await user.get("/web/dinsos/peringatan")
    status, body = await user.post(f"/web/dinsos/peringatan/{warning_id}/selesai",
                                   {"catatan": "sudah"})
    assert status == 403 and "Hanya Dinas Sosial kab/kota yang boleh melakukan ini." in body
    _, body = await dinsos.get("/web/dinsos/peringatan")
    assert "4 peringatan" in body


async def test_a_cross_region_duplicate_is_shown_with_the_other_region(
        node: Node, node_signing_pki: Path) -> None:
    _, record = await registered(node)
    nik = record.members[1].nik
    credentials = SigningCredentials.load(node_signing_pki, Identity.gateway())
    now = dt.datetime.now(dt.UTC)
    finding = DuplicateFinding(11, SECRET.key_of(nik), ("32.73", "35.78"), now, None, 1)
    header = make_header(action="duplicate", sender_id=credentials.holder.id,
                         receiver_id="32.73", total_count=1, message_ts=now)
    envelope = sign_envelope(header, duplicate_message([finding]), credentials.private_key,
                             credentials.kid, certificate=credentials.certificate)
    result = await receive_decision(node.database, CertificateStore.load(node_signing_pki),
                                    "32.73", envelope, now, SECRET)
    assert result.status == "APPLIED", result
    user = await logged_in(node, "dinsosbandung")
    status, body = await user.get("/web/dinsos/peringatan", jenis="CROSS_REGION_DUPLICATE")
    assert status == 200 and "1 peringatan" in body
    assert "NIK juga terdaftar di kab/kota lain" in body
    assert "juga terdaftar di Kota Surabaya (35.78)" in body


async def test_a_household_to_review_is_listed_and_closed_with_a_note(node: Node) -> None:
    household_id, pid = await under_review(node)
    operator = await logged_in(node, "operatorsukarasa")
    await operator.get("/web/dinsos/tinjauan")
    status, body = await operator.post(f"/web/dinsos/tinjauan/{household_id}/tutup",
                                       {"catatan": "sudah"})
    assert status == 403 and "Hanya Dinas Sosial kab/kota" in body
    user = await logged_in(node, "dinsosbandung")
    status, body = await user.get("/web/dinsos/tinjauan")
    assert status == 200 and f'href="/web/dinsos/usulan/{pid}"' in body
    assert f'action="/web/dinsos/tinjauan/{household_id}/tutup"' in body
    status, body = await user.post(f"/web/dinsos/tinjauan/{household_id}/tutup",
                                   {"catatan": ""})
    assert status == 400 and "Tulis catatan" in body
    status, _ = await user.post(f"/web/dinsos/tinjauan/{household_id}/tutup",
                                {"catatan": "PKH diaktifkan lagi lewat usulan baru"})
    assert status == 303
    status, body = await user.get("/web/dinsos/tinjauan", selesai="1")
    assert "Tidak ada rumah tangga yang perlu ditinjau." in body
    assert "Tinjauan ditutup" in body


async def test_suspended_aid_per_desa_and_program(node: Node) -> None:
    await registered(node, Program.PKH)
    user = await logged_in(node, "dinsosbandung")
    status, body = await user.get("/web/dinsos/penangguhan")
    assert status == 200 and "<td>Sukarasa</td><td>PKH</td><td>1</td>" in body


async def test_the_users_of_the_kabkota_and_an_operators_login_disabled_and_enabled(
        node: Node) -> None:
    user = await logged_in(node, "dinsosbandung")
    status, body = await user.get("/web/dinsos/pengguna")
    assert status == 200
    assert "dinsosbandung" in body and "operatorsukarasa" in body
    assert "dinsossurabaya" not in body  # another kab/kota
    assert 'action="/web/dinsos/pengguna/operatorsukarasa/status"' in body
    assert 'action="/web/dinsos/pengguna/dinsosbandung/status"' not in body
    status, _ = await user.post("/web/dinsos/pengguna/operatorsukarasa/status", {"aktif": "0"})
    assert status == 303
    status, body = await user.get("/web/dinsos/pengguna", selesai="nonaktif")
    assert "Akun dinonaktifkan." in body and "Aktifkan akun operatorsukarasa" in body
    refused = WebUser(node.client)
    await refused.get("/web/masuk")
    status, _ = await refused.post("/web/masuk", {"username": "operatorsukarasa",
                                                  "password": PASSWORD})
    assert status == 401
    async with node.database.reader() as session:
        last = (await session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())
                                      .limit(1))).scalar_one()
    assert (last.action, last.actor) == ("user.disable", "user:dinsosbandung")
    status, _ = await user.post("/web/dinsos/pengguna/operatorsukarasa/status", {"aktif": "1"})
    assert status == 303
    assert (await logged_in(node, "operatorsukarasa")).cookies


async def test_who_may_not_switch_a_login(node: Node) -> None:
    dinsos = await logged_in(node, "dinsosbandung")
    await dinsos.get("/web/dinsos/pengguna")
    status, body = await dinsos.post("/web/dinsos/pengguna/dinsosbandung/status",
                                     {"aktif": "0"})
    assert status == 403 and "Hanya akun operator desa dan pendamping" in body
    other = await logged_in(node, "dinsossurabaya")
    await other.get("/web/dinsos/pengguna")
    status, body = await other.post("/web/dinsos/pengguna/operatorsukarasa/status",
                                    {"aktif": "0"})
    assert status == 403 and "di luar wilayah kerja akun Anda" in body
    operator = await logged_in(node, "operatorsukarasa")
    status, body = await operator.get("/web/dinsos/pengguna")
    assert status == 403 and "dinsosbandung" not in body
    status, body = await operator.post("/web/dinsos/pengguna/operatorsukarasa/status",
                                       {"aktif": "0"})
    assert status == 403 and "Hanya Dinas Sosial kab/kota" in body
    assert (await logged_in(node, "operatorsukarasa")).cookies  # nothing changed


async def test_the_pages_speak_english_when_asked(node: Node) -> None:
    _, pid = await _moved(node)
    user = await logged_in(node, "dinsosbandung")
    user.headers = {"Accept-Language": "en"}
    status, body = await user.get(f"/web/dinsos/usulan/{pid}")
    assert status == 200 and "Verified in the field, waiting for your decision" in body
    assert "<td>Moving date</td><td>2026-03-01</td>" in body and ">Approve</button>" in body
