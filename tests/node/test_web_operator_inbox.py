"""What waits for the Operator Desa, over HTTP with a real node app (real SQLite and
PostgreSQL, the Dukcapil sandbox): a death Dukcapil records, drafted as a proposal, shown in
the notifications with what to do and submitted by the operator from its page; a NIK anomaly
notified; a notification marked read; the desa's usul and sanggah listed, one turned into a
proposal, one closed as resolved, one dismissed; a close without a reason refused with what
to do and nothing changed."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from regional_node.adapters.orm import CommunityReport, Notification
from regional_node.service_layer.nik_matching import match_members
from schema.enums import Program
from tests import factories
from tests.node.helpers import TEST_ACTOR, store
from tests.node.proposal_helpers import PUBLIC, Node, running_node
from tests.node.report_helpers import BANDUNG, JPEG
from tests.node.web_operator_helpers import (
    DESA,
    form_values,
    location,
    logged_in,
    multipart,
    proposals,
)
from tests.registry.sandbox import resident

DEATH = dt.date(2026, 9, 14)
USUL = """mutation($input: UsulInput!) { submitUsul(input: $input) { receiptId } }"""
SANGGAH = """mutation($input: SanggahInput!) { submitSanggah(input: $input) { receiptId } }"""


@pytest.fixture
async def node(database_url: str, aiohttp_client: Any, tmp_path: Any) -> AsyncIterator[Node]:
    async for running in running_node(database_url, aiohttp_client, tmp_path):
        yield running


async def test_a_death_dukcapil_records_is_shown_and_the_operator_submits_it(
        node: Node) -> None:
    record = factories.household(DESA, members=2, head_name="Ahmad Fauzi")
    await store(node.database, [record])
    head, child = record.members
    await node.sandbox.add(resident(head, record.kk_number),
                           {**resident(child, record.kk_number),
                            "death_date": DEATH.isoformat()})
    async with node.sandbox.client() as registry:
        run = await match_members(node.database, registry, actor=TEST_ACTOR,
                                  node_region="32.73")
    assert run.deaths_drafted == 1
    [draft] = await proposals(node)
    user = await logged_in(node)
    status, body = await user.get("/web/pemberitahuan")
    assert status == 200 and "Dukcapil mencatat kematian" in body
    assert "usulan kematian sudah disiapkan. Periksa bersama keluarganya" in body
    assert f'href="/web/usulan/{draft.id}"' in body
    status, body = await user.get(f"/web/usulan/{draft.id}")
    assert "Meninggal" in body and "Draf" in body and DEATH.isoformat() in body
    assert child.name in body  # whom it is about, by name
    status, _ = await user.post(f"/web/usulan/{draft.id}/ajukan", {})
    assert status == 303 and location(user) == f"/web/usulan/{draft.id}?selesai=diajukan"
    [submitted] = await proposals(node)
    assert submitted.state in ("NIK_VALID", "SUBMITTED")  # the death confirms, not blocks
    status, body = await user.get("/web/pemberitahuan")
    [note_id] = re.findall(r'action="/web/pemberitahuan/([^"]+)/dibaca"', body)
    status, _ = await user.post(f"/web/pemberitahuan/{note_id}/dibaca", {})
    assert status == 303
    async with node.database.reader() as session:
        note = await session.get(Notification, int(note_id))
    assert note is not None and note.read_at is not None
    status, body = await user.get("/web/pemberitahuan", **{"belum-dibaca": "1"})
    assert "Tidak ada pemberitahuan." in body


async def test_a_nik_anomaly_is_notified_with_what_to_fix(node: Node) -> None:
    record = factories.household(DESA, members=1, head_name="Rina Wulandari")
    user = await logged_in(node)
    status, body = await user.get("/web/usulan/baru/rumah-tangga-baru")
    member = record.members[0]
    status, _ = await user.post("/web/usulan/baru/rumah-tangga-baru", multipart(user, {
        **form_values(body), "kk": record.kk_number, "alamat": record.address, "jumlah": "1",
        "nik_0": member.nik, "nama_0": member.name,
        "lahir_0": member.birth_date.isoformat(), "jk_0": member.sex.value,
        "hubungan_0": "HEAD", "musdes_tanggal": "2026-01-15", "musdes_nomor": "BA/1/2026",
        "aksi": "ajukan"}, {"musdes_berkas": ("ba.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64,
                                              "image/png")}))
    assert status == 303
    status, body = await user.get("/web/pemberitahuan")
    assert "Anomali NIK pada usulan" in body and "lihat NIK mana yang berbeda" in body


async def _reports(node: Node) -> dict[str, str]:
    for name, nik in (("Siti Aminah", "3273014107800002"), ("Dewi Kartika", None)):
        body = await node.call(PUBLIC, USUL, input={
            "desaCode": DESA, "personName": name, "address": "Gg. Mawar 3",
            "description": "janda, tiga anak", "nik": nik})
        assert "errors" not in body, body
    body = await node.call(PUBLIC, SANGGAH, input={
        "desaCode": DESA, "personName": "Budi Santoso", "address": "Jl. Contoh No. 1",
        "description": "punya dua mobil", "program": "PKH",
        "photoBase64": __import__("base64").b64encode(JPEG).decode(),
        "photoMediaType": "image/jpeg", "latitude": BANDUNG[0], "longitude": BANDUNG[1]})
    assert "errors" not in body, body
    async with node.database.reader() as session:
        rows = (await session.execute(select(CommunityReport))).scalars().all()
    return {row.person_name: str(row.id) for row in rows}


async def test_the_desa_s_reports_are_acted_on(node: Node) -> None:
    ids = await _reports(node)
    user = await logged_in(node)
    status, body = await user.get("/web/laporan")
    assert status == 200 and all(name in body for name in ids)
    assert "Usul: Siti Aminah" in body and "Sanggah: Budi Santoso" in body
    status, body = await user.get(f"/web/laporan/{ids['Budi Santoso']}")
    assert "punya dua mobil" in body and "Buat usulan dari laporan ini" in body
    assert "/web/usulan/baru/graduasi?laporan=" in body
    assert "/web/usulan/baru/rumah-tangga-baru?laporan=" not in body  # a sanggah: no
    status, body = await user.post(f"/web/laporan/{ids['Budi Santoso']}/tolak",
                                   {"alasan": " "})
    assert status == 400 and "Tulis alasannya" in body
    status, _ = await user.post(f"/web/laporan/{ids['Budi Santoso']}/tolak",
                                {"alasan": "dicek: mobil milik majikan"})
    assert status == 303
    status, body = await user.get(location(user))
    assert "Tidak berdasar" in body and "dicek: mobil milik majikan" in body
    assert "Tutup sebagai" not in body  # closed: nothing more to do
    status, body = await user.post(f"/web/laporan/{ids['Budi Santoso']}/selesai",
                                   {"alasan": "lagi"})
    assert status == 400 and "Muat ulang halaman" in body
    status, _ = await user.post(f"/web/laporan/{ids['Dewi Kartika']}/selesai",
                                {"alasan": "sudah ditangani Dinsos"})
    assert status == 303

    record = factories.household(DESA, members=1, head_name="Siti Aminah")
    await node.sandbox.add_members([record])
    member = record.members[0]
    status, body = await user.get("/web/usulan/baru/rumah-tangga-baru",
                                  laporan=ids["Siti Aminah"])
    assert "Menindaklanjuti laporan tentang Siti Aminah" in body
    status, _ = await user.post("/web/usulan/baru/rumah-tangga-baru", multipart(user, {
        **form_values(body), "kk": record.kk_number, "alamat": record.address, "jumlah": "1",
        "nik_0": member.nik, "nama_0": member.name,
        "lahir_0": member.birth_date.isoformat(), "jk_0": member.sex.value,
        "hubungan_0": "HEAD", "musdes_tanggal": "2026-01-15", "musdes_nomor": "BA/2/2026",
        "aksi": "draf"}, {"musdes_berkas": ("ba.pdf", b"%PDF-1.4\n%%EOF\n",
                                            "application/pdf")}))
    assert status == 303, _
    [proposal] = await proposals(node)
    status, body = await user.get(f"/web/laporan/{ids['Siti Aminah']}")
    assert "Sudah dibuat usulan" in body and f"/web/usulan/{proposal.id}" in body
    status, body = await user.get("/web/laporan")  # the open ones: none left
    assert "Tidak ada laporan." in body
    status, body = await user.get(f"/web/laporan/{uuid.uuid4()}")
    assert status == 404 and "tidak ada di desa Anda" in body


async def test_aid_held_back_for_data_that_differ_from_dukcapil_says_what_to_fix(
        node: Node) -> None:
    record = factories.household(DESA, members=2, head_name="Ahmad Fauzi",
                                 programs=(Program.PKH,))
    [household_id] = await store(node.database, [record])
    head, spouse = record.members
    await node.sandbox.add({**resident(head, record.kk_number), "name": "Achmad Fauzie"},
                           resident(spouse, record.kk_number))
    async with node.sandbox.client() as registry:
        await match_members(node.database, registry, actor=TEST_ACTOR, node_region="32.73")
    user = await logged_in(node)
    status, body = await user.get("/web/pemberitahuan")
    assert status == 200, body
    section = body[body.index('id="dukcapil"'):]
    assert "Nama, tanggal lahir atau KK berbeda dengan Dukcapil" in section
    assert head.name in section and "Di Dukcapil: Achmad Fauzie" in section
    assert f"/web/usulan/baru/perbaikan-data?rumah-tangga={household_id}" in section
    assert spouse.name not in section  # a clean match holds nothing back
