"""The Operator Desa's proposal pages over HTTP with a real node app (real SQLite and
PostgreSQL, the Dukcapil sandbox): a form for every kind ``createProposal`` accepts, each
field labelled; a new household with its Musdes minutes uploaded in the same multipart form
and submitted; every kind saved; each refusal a person can meet shown in Indonesian with
nothing created; the list with each state (rejected and returned with the reason,
determined with the decree number); a corrected proposal opened from a returned one; a
proposal with a NIK anomaly submitted again."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from regional_node.entrypoints.web.proposal_forms import KINDS
from schema.enums import Program
from tests import factories
from tests.node.cycle_helpers import registered, walk
from tests.node.decision_helpers import determine, return_
from tests.node.proposal_helpers import (
    CREATE,
    MINUTES_PDF,
    OPERATOR,
    PENDAMPING,
    REJECT,
    SUBMIT,
    Node,
    data,
    running_node,
)
from tests.node.web_operator_helpers import (
    DESA,
    attachments,
    form_values,
    labelled,
    location,
    logged_in,
    multipart,
    proposals,
)

TODAY = dt.date.today().isoformat()
MINUTES = {"musdes_berkas": ("ba-musdes.pdf", MINUTES_PDF, "application/pdf")}


@pytest.fixture
async def node(database_url: str, aiohttp_client: Any, tmp_path: Any) -> AsyncIterator[Node]:
    async for running in running_node(database_url, aiohttp_client, tmp_path):
        yield running


def new_household_fields(record: Any, **more: str) -> dict[str, str]:
    fields = {"kk": record.kk_number, "alamat": record.address, "jumlah": "2",
              "musdes_tanggal": "2026-01-15", "musdes_nomor": "BA/12/I/2026",
              "aksi": "ajukan", **more}
    for row, member in enumerate(record.members[:2]):
        fields.update({f"nik_{row}": member.nik, f"nama_{row}": member.name,
                       f"lahir_{row}": member.birth_date.isoformat(),
                       f"jk_{row}": member.sex.value,
                       f"hubungan_{row}": member.relationship.value})
    return fields


async def open_form(user: Any, slug: str, **query: str) -> dict[str, str]:
    status, body = await user.get(f"/web/usulan/baru/{slug}", **query)
    assert status == 200, body
    return form_values(body)


async def test_every_kind_has_a_form_whose_fields_all_have_labels(node: Node) -> None:
    household_id, _ = await registered(node)
    user = await logged_in(node)
    status, body = await user.get("/web/usulan/baru")
    assert status == 200 and body.count('href="/web/usulan/baru/') == len(KINDS)
    for slug in KINDS:
        status, body = await user.get(f"/web/usulan/baru/{slug}",
                                      **{"rumah-tangga": str(household_id)})
        assert status == 200 and 'enctype="multipart/form-data"' in body, slug
        assert 'name="musdes_berkas"' in body and labelled(body) == [], slug
    status, body = await user.get("/web/usulan/baru/kematian")  # the household first
    assert status == 200 and "pilih rumah tangga" in body and 'id="nama"' in body
    assert (await user.get("/web/usulan/baru/tidak-ada"))[0] == 404
    user.headers = {"Accept-Language": "en"}  # English from the same catalogue
    status, body = await user.get("/web/usulan/baru/rumah-tangga-baru")
    assert status == 200 and "KK number (16 digits)" in body and "Save and submit" in body


async def test_a_new_household_with_its_musdes_minutes_is_created_and_submitted(
        node: Node) -> None:
    record = factories.household(DESA, members=2, head_name="Wati Lestari")
    await node.sandbox.add_members([record])
    user = await logged_in(node)
    hidden = await open_form(user, "rumah-tangga-baru")
    status, _ = await user.post("/web/usulan/baru/rumah-tangga-baru", multipart(
        user, {**hidden, **new_household_fields(record), "lantai": "EARTH",
               "jamban": "SHARED", "luas_lantai": "36,5", "lintang": "-6,9147",
               "bujur": "107.6098", "aset": "MOTORCYCLE"}, MINUTES))
    assert status == 303, _
    [proposal] = await proposals(node)
    household = proposal.details["household"]
    assert (household["floor_material"], household["toilet"], household["floor_area_m2"]) == (
        "EARTH", "SHARED", 36.5)
    assert (household["latitude"], household["longitude"], household["assets"]) == (
        -6.9147, 107.6098, ["MOTORCYCLE"])
    assert location(user) == f"/web/usulan/{proposal.id}?selesai=diajukan"
    assert (proposal.id, proposal.kind, proposal.state) == (hidden["id"], "NEW_HOUSEHOLD",
                                                            "NIK_VALID")
    assert proposal.musdes_minutes_number == "BA/12/I/2026" and await attachments(node) == 1
    status, body = await user.get(location(user))
    assert status == 200 and "Usulan sudah diajukan." in body
    assert "NIK cocok dengan Dukcapil" in body and record.kk_number in body
    assert "BA/12/I/2026" in body


async def test_refusals_say_what_to_fix_and_create_nothing(node: Node) -> None:
    record = factories.household(DESA, members=2)
    user = await logged_in(node)
    hidden = await open_form(user, "rumah-tangga-baru")
    fields = {**hidden, **new_household_fields(record)}
    cases = [  # (fields, files, what the page says)
        (fields, None, "Lampirkan berita acara Musdes/Muskel"),
        (fields, {"musdes_berkas": ("ba.txt", b"bukan pdf", "text/plain")},
         "Berita acara harus berkas PDF, JPEG atau PNG"),
        ({**fields, "lahir_0": "31-02-1980"}, MINUTES, "Tulis tanggal seperti di kalender"),
        ({**fields, "nik_0": "", "nama_0": "", "lahir_0": "", "nik_1": "", "nama_1": "",
          "lahir_1": ""}, MINUTES, "Isi minimal satu anggota"),
        ({**fields, "jk_0": "LAKI"}, MINUTES, "Pilih salah satu pilihan"),
        ({**fields, "luas_lantai": "tiga puluh"}, MINUTES, "Tulis luas lantai dalam meter"),
        ({**fields, "lintang": "-6.9", "bujur": ""}, MINUTES, "Isi lokasi dengan angka"),
    ]
    for posted, files, said in cases:
        status, body = await user.post("/web/usulan/baru/rumah-tangga-baru",
                                       multipart(user, posted, files))
        assert status == 400 and said in body and 'role="alert"' in body, said
        assert await attachments(node) == 0  # checked before the minutes are stored
    status, body = await user.post("/web/usulan/baru/rumah-tangga-baru", multipart(
        user, {**fields, "nik_0": "32730112"}, MINUTES))  # the node refuses the NIK
    assert status == 400 and "NIK harus 16 angka" in body
    again = form_values(body)
    assert len(again["musdes_sha"]) == 64 and "Berita acara sudah diunggah" in body
    assert again["id"] == hidden["id"] and await proposals(node) == []
    status, body = await user.post("/web/usulan/baru/rumah-tangga-baru", multipart(
        user, {**fields, "musdes_tanggal": "2999-01-01", "musdes_sha": again["musdes_sha"]}))
    assert status == 400 and "Periksa Musdes" in body and await proposals(node) == []
    status, body = await user.post("/web/usulan/baru/rumah-tangga-baru", multipart(
        user, {**fields, "musdes_sha": again["musdes_sha"]}, csrf=False))
    assert status == 403 and await proposals(node) == []
    status, _ = await user.post("/web/usulan/baru/rumah-tangga-baru", multipart(
        user, {**fields, "musdes_sha": again["musdes_sha"]}))  # the minutes kept: it works
    assert status == 303 and len(await proposals(node)) == 1


async def test_without_javascript_another_member_row_is_added(node: Node) -> None:
    user = await logged_in(node)
    hidden = await open_form(user, "rumah-tangga-baru")
    status, body = await user.post("/web/usulan/baru/rumah-tangga-baru", multipart(
        user, {**hidden, "jumlah": "2", "kk": "3273010101010001", "tambah": "1"}))
    assert status == 200 and 'id="nik_2"' in body and 'value="3273010101010001"' in body
    assert await proposals(node) == []


def kind_fields(slug: str, member_id: str, newcomer: Any) -> dict[str, str]:
    return {
        "anggota-baru": {"nik_0": newcomer.nik, "nama_0": newcomer.name,
                         "lahir_0": newcomer.birth_date.isoformat(), "jk_0": newcomer.sex.value,
                         "hubungan_0": "CHILD"},
        "perbaikan-data": {"alamat": "Jl. Sukarasa No. 9", "atap": "ZINC", "aset": "CAR",
                           "anggota": member_id, "pekerjaan_0": "Petani"},
        "kematian": {"anggota": member_id, "tanggal": TODAY},
        "pindah": {"tanggal": TODAY, "tujuan": "Kab. Garut"},
        "graduasi": {"alasan": "usaha warung berkembang"},
        "ikut-program": {"program": "BPNT", "periode": "2026-S2", "tanggal": TODAY},
        "keluar-program": {"program": "PKH", "tanggal": TODAY},
    }[slug]


@pytest.mark.parametrize("slug", [slug for slug in KINDS if slug != "rumah-tangga-baru"])
async def test_every_kind_on_a_household_is_saved_as_a_draft(node: Node, slug: str) -> None:
    household_id, record = await registered(node, Program.PKH)
    user = await logged_in(node)
    hidden = await open_form(user, slug, **{"rumah-tangga": str(household_id)})
    member_id = _first_member_id(await user.get("/web/usulan/baru/kematian",
                                                **{"rumah-tangga": str(household_id)}))
    newcomer = factories.household(DESA, members=1).members[0]
    status, body = await user.post(f"/web/usulan/baru/{slug}", multipart(
        user, {**hidden, **kind_fields(slug, member_id, newcomer), "aksi": "draf"}))
    assert status == 303, body
    [proposal] = await proposals(node)
    assert (proposal.kind, proposal.state, proposal.household_id) == (
        KINDS[slug], "DRAFT", household_id)
    status, body = await user.get(location(user))
    assert "disimpan sebagai draf" in body and "Ajukan usulan" in body
    if slug == "perbaikan-data":  # the change, by the member's name and the field's
        assert f"{record.members[0].name}: Pekerjaan" in body and "Petani" in body
        changes = proposal.details["household_changes"]
        assert (changes["roof_material"], changes["assets"]) == ("ZINC", ["CAR"])
    status, _ = await user.post(f"/web/usulan/{proposal.id}/ajukan", {})
    assert status == 303 and (await proposals(node))[0].state != "DRAFT"


def _first_member_id(answer: tuple[int, str]) -> str:
    import re

    found = re.search(r'<option value="(\d+)"', answer[1])
    assert found, answer
    return found.group(1)


async def test_a_refused_kind_shows_the_node_s_reason_and_keeps_what_was_typed(
        node: Node) -> None:
    household_id, _ = await registered(node)
    user = await logged_in(node)
    hidden = await open_form(user, "kematian", **{"rumah-tangga": str(household_id)})
    member_id = _first_member_id(await user.get("/web/usulan/baru/kematian",
                                                **{"rumah-tangga": str(household_id)}))
    status, body = await user.post("/web/usulan/baru/kematian", multipart(
        user, {**hidden, "anggota": member_id, "tanggal": "2999-01-01", "aksi": "ajukan"}))
    assert status == 400 and "Tanggal ada di masa depan" in body
    assert 'value="2999-01-01"' in body and await proposals(node) == []
    status, body = await user.post("/web/usulan/baru/perbaikan-data", multipart(
        user, {**hidden, "aksi": "draf"}))
    assert status == 400 and "Sebutkan apa yang diperbaiki" in body
    status, body = await user.post("/web/usulan/baru/ikut-program", multipart(
        user, {**hidden, "program": "BPNT", "periode": "", "tanggal": TODAY}))
    assert status == 400 and "Isi semua kolom wajib" in body and await proposals(node) == []
    other = factories.household("32.73.02.1001")
    other_id, _ = await registered_elsewhere(node, other)
    status, body = await user.get("/web/usulan/baru/pindah", **{"rumah-tangga": str(other_id)})
    assert status == 200 and "pilih rumah tangga" in body  # not hers: choose again
    assert other.kk_number not in body


async def registered_elsewhere(node: Node, record: Any) -> tuple[int, Any]:
    from tests.node.helpers import store

    [household_id] = await store(node.database, [record])
    return household_id, record


async def test_the_list_shows_each_state_with_its_reason_or_decree(node: Node) -> None:
    household_id, _ = await registered(node, Program.PKH)
    drafted = data(await node.call(OPERATOR, CREATE, input={
        "id": str(uuid.uuid4()), "details": {"graduation": {
            "householdId": str(household_id), "reason": "mampu"}}}), "createProposal")
    determined = await walk(node, {"programExit": {"householdId": str(household_id),
                                                   "program": "PKH", "endDate": TODAY}})
    returned = await walk(node, {"moved": {"householdId": str(household_id),
                                           "movedOn": TODAY}})
    await determine(node, determined["id"])
    await return_(node, returned["id"], reason="surat pindah belum ada")
    other_id, _ = await registered(node)
    rejected = data(await node.call(OPERATOR, CREATE, input={
        "id": str(uuid.uuid4()), "details": {"graduation": {
            "householdId": str(other_id), "reason": "mampu"}}}), "createProposal")
    await node.call(OPERATOR, SUBMIT, id=rejected["id"])
    await node.call(PENDAMPING, REJECT, id=rejected["id"], reason="belum dicek pendamping")
    user = await logged_in(node)
    status, body = await user.get("/web/usulan")
    assert status == 200
    for said in ("Draf", "Ditetapkan", "keputusan 146/HUK/2026", "Dikembalikan",
                 "surat pindah belum ada", "Alasan: belum dicek pendamping"):
        assert said in body, said
    status, body = await user.get("/web/usulan", keadaan="RETURNED")
    assert "surat pindah belum ada" in body and "146/HUK/2026" not in body
    status, body = await user.get(f"/web/usulan/{determined['id']}")
    assert "Nomor 146/HUK/2026" in body
    status, body = await user.get(f"/web/usulan/{drafted['id']}")
    assert "Ajukan usulan" in body
    status, body = await user.get(f"/web/usulan/{uuid.uuid4()}")
    assert status == 404 and "tidak ada di wilayah Anda" in body


async def test_a_corrected_proposal_is_opened_from_a_returned_one(node: Node) -> None:
    household_id, _ = await registered(node)
    returned = await walk(node, {"graduation": {"householdId": str(household_id),
                                                "reason": "usaha berkembang"}})
    await return_(node, returned["id"], reason="belum ada bukti usaha")
    user = await logged_in(node)
    status, body = await user.get(f"/web/usulan/{returned['id']}")
    assert "belum ada bukti usaha" in body and "Buat usulan perbaikan" in body
    link = f"/web/usulan/baru/graduasi?koreksi={returned['id']}"
    assert link in body
    hidden = await open_form(user, "graduasi", koreksi=returned["id"])
    status, body = await user.get("/web/usulan/baru/graduasi", koreksi=returned["id"])
    assert "usaha berkembang</textarea>" in body  # starts from the returned details
    assert hidden["rumah_tangga"] == str(household_id)
    status, _ = await user.post("/web/usulan/baru/graduasi", multipart(
        user, {**hidden, "alasan": "usaha berkembang, bukti terlampir", "aksi": "draf",
               "musdes_tanggal": "2026-02-01", "musdes_nomor": "BA/3/II/2026"}, MINUTES))
    assert status == 303
    corrected = [p for p in await proposals(node) if p.id == hidden["id"]][0]
    assert corrected.corrects_id == returned["id"] and corrected.musdes_minutes_sha256
    hidden = await open_form(user, "graduasi", koreksi=returned["id"])
    status, body = await user.post("/web/usulan/baru/graduasi", multipart(
        user, {**hidden, "alasan": "lagi", "aksi": "draf"}))
    assert status == 400 and "sudah punya usulan perbaikan" in body


async def test_a_nik_anomaly_is_corrected_and_submitted_again(node: Node) -> None:
    record = factories.household(DESA, members=1, head_name="Rina Wulandari")
    user = await logged_in(node)
    hidden = await open_form(user, "rumah-tangga-baru")
    fields = new_household_fields(record, jumlah="1")
    status, _ = await user.post("/web/usulan/baru/rumah-tangga-baru",
                                multipart(user, {**hidden, **fields}, MINUTES))
    [proposal] = await proposals(node)
    assert proposal.state == "NIK_ANOMALY"  # the sandbox does not know her yet
    status, body = await user.get(f"/web/usulan/{proposal.id}")
    assert "Anomali NIK" in body and 'id="cek-nik"' in body and "perlu diperbaiki" in body
    await node.sandbox.add_members([record])
    status, body = await user.get("/web/usulan/baru/rumah-tangga-baru", ulang=proposal.id)
    assert f'value="{record.kk_number}"' in body and 'id="musdes"' not in body
    hidden = form_values(body)
    status, _ = await user.post("/web/usulan/baru/rumah-tangga-baru",
                                multipart(user, {**hidden, **fields, "aksi": "ajukan"}))
    assert status == 303 and location(user) == f"/web/usulan/{proposal.id}?selesai=diajukan"
    assert (await proposals(node))[0].state == "NIK_VALID"


def test_what_a_form_lacks_is_said_in_indonesian_too() -> None:
    """The forms' own checks (``FormProblem``) are msgids of the ``web`` catalogue as well."""
    import ast
    import inspect

    from regional_node.entrypoints.web import proposal_forms
    from regional_node.entrypoints.web import proposals as handlers
    from schema.i18n import missing_translations

    found = [call.args[0].value for module in (proposal_forms, handlers)
             for call in ast.walk(ast.parse(inspect.getsource(module)))
             if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "FormProblem"
             and call.args and isinstance(call.args[0], ast.Constant)]
    assert len(found) >= 7 and missing_translations("web", found, "id") == []


REFUSED = {  # slug -> (what is posted wrong, what the page says)
    "anggota-baru": ({"nik_0": "3273", "nama_0": "Bayi", "lahir_0": TODAY, "jk_0": "MALE",
                      "hubungan_0": "CHILD"}, "NIK harus 16 angka"),
    "perbaikan-data": ({}, "Sebutkan apa yang diperbaiki"),
    "perbaikan-data-luas": ({"luas_lantai": "0"}, "Luas lantai tidak wajar"),
    "kematian": ({"tanggal": "2999-01-01"}, "Tanggal ada di masa depan"),
    "pindah": ({"tanggal": "kemarin"}, "Tulis tanggal seperti di kalender"),
    "graduasi": ({"alasan": " "}, "Isi semua kolom wajib"),
    "ikut-program": ({"program": "SEMBAKO", "periode": "2026-S2", "tanggal": TODAY},
                     "Pilih salah satu pilihan"),
    "keluar-program": ({"program": "PKH", "tanggal": "2999-01-01"},
                       "Tanggal ada di masa depan"),
}


@pytest.mark.parametrize("slug", sorted(REFUSED))
async def test_each_kind_s_wrong_input_is_said_and_nothing_is_created(node: Node,
                                                                       slug: str) -> None:
    household_id, _ = await registered(node, Program.PKH)
    user = await logged_in(node)
    hidden = await open_form(user, slug.removesuffix("-luas"),
                             **{"rumah-tangga": str(household_id)})
    member_id = _first_member_id(await user.get("/web/usulan/baru/kematian",
                                                **{"rumah-tangga": str(household_id)}))
    posted, said = REFUSED[slug]
    fields = {**hidden, **posted, "aksi": "ajukan"}
    if slug == "kematian":
        fields["anggota"] = member_id
    status, body = await user.post(f"/web/usulan/baru/{slug.removesuffix('-luas')}",
                                   multipart(user, fields))
    assert status == 400 and said in body and 'role="alert"' in body, said
    assert await proposals(node) == [] and await attachments(node) == 0


async def test_a_minutes_file_larger_than_the_node_takes_is_said(node: Node) -> None:
    record = factories.household(DESA, members=1)
    user = await logged_in(node)
    hidden = await open_form(user, "rumah-tangga-baru")
    status, body = await user.post("/web/usulan/baru/rumah-tangga-baru", multipart(
        user, {**hidden, **new_household_fields(record, jumlah="1")},
        {"musdes_berkas": ("ba.pdf", b"%PDF" + b"0" * 2_200_000, "application/pdf")}))
    assert status == 400 and "paling besar 1,5 MB" in body
    assert await proposals(node) == [] and await attachments(node) == 0
