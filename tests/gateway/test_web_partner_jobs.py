"""The partner's large NIK files as cross-check jobs on the web page, with real node apps
behind the gateway: upload (a list or a CSV's first column), progress (the htmx fragment and
the page that works without JavaScript), the one download of the result CSV, and the
refusals: a bad line, a bad program code, a non-text file, another account's job, a second
download, a role that may not cross-check, no CSRF token."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from aiohttp import FormData

from gateway.entrypoints.app import SERVICES
from schema.identity_numbers import Sex, make_nik
from tests.gateway.cluster import NodeCluster
from tests.gateway.identity_helpers import secure_gateway
from tests.gateway.kemensos_web_helpers import add_users, log_in, seed_households
from tests.gateway.web_helpers import WebUser

UNKNOWN = make_nik("32.73.01", dt.date(1977, 7, 7), Sex.FEMALE, 9876)


@pytest.fixture
async def site(cluster: NodeCluster, dev_pki, tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    people = await seed_households(cluster)
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    await add_users(client.app[SERVICES].database)
    return client, people


def _upload(user: WebUser, content: bytes, name: str = "daftar.txt",
            program: str = "") -> FormData:
    form = FormData()
    form.add_field("csrf_token", user.csrf)
    form.add_field("program", program)
    form.add_field("berkas", content, filename=name, content_type="text/plain")
    return form


async def _partner(client: Any, username: str = "kemenag") -> WebUser:
    user = WebUser(client)
    await log_in(user, username, "/web/mitra")
    status, body = await user.get("/web/mitra")
    assert status == 200 and 'action="/web/mitra/tugas"' in body
    assert 'id="ke-dasbor"' not in body  # the link to the Kemensos pages is Kemensos' only
    return user


async def _until_done(user: WebUser, job: str) -> str:
    for _ in range(300):
        status, fragment = await user.get(f"/web/mitra/tugas/{job}/kemajuan")
        assert status == 200, fragment
        if 'data-state="DONE"' in fragment:
            return fragment
        assert "hx-trigger=\"every 2s\"" in fragment  # htmx asks again
        await asyncio.sleep(0.1)
    raise AssertionError("the job did not finish")


async def test_a_partner_sends_a_nik_file_as_a_job_and_downloads_the_result_once(site) -> None:
    client, people = site
    user = await _partner(client)
    content = f"nik\n{people['siti'].nik}\n{people['surabaya'].nik}\n{UNKNOWN}\n".encode()
    status, _ = await user.post("/web/mitra/tugas", _upload(user, content,
                                                             program="kemenag_pip"))
    assert status == 303
    page_path = user.last.headers["Location"]
    job = re.fullmatch(r"/web/mitra/tugas/([^/]+)", page_path)
    assert job is not None
    status, body = await user.get(page_path)
    assert status == 200 and "Nomor pemeriksaan" in body and "KEMENAG_PIP" in body
    assert 'id="perbarui"' in body or 'data-state="DONE"' in body  # a link without JS
    fragment = await _until_done(user, job.group(1))
    assert "3 dari 3 NIK sudah diperiksa" in fragment and 'id="unduh-hasil"' in fragment
    assert "<html" not in fragment  # the box alone, for htmx
    status, body = await user.get(page_path)
    assert 'hx-trigger' not in body  # done: no more polling
    status, result = await user.get(f"/web/mitra/tugas/{job.group(1)}/hasil")
    assert status == 200 and user.last.content_type == "text/csv"
    assert user.last.headers["Cache-Control"] == "no-store"
    rows = {r["nik"]: r for r in csv.DictReader(io.StringIO(result))}
    assert rows[people["siti"].nik]["registered"] == "true"
    assert rows[people["surabaya"].nik]["registered"] == "true"
    assert rows[UNKNOWN]["registered"] == "false"
    status, body = await user.get(f"/web/mitra/tugas/{job.group(1)}/hasil")
    assert status == 410 and "sudah diunduh atau kedaluwarsa" in body


async def test_a_csv_files_first_column_is_sent_and_another_account_cannot_see_the_job(
        site) -> None:
    client, people = site
    user = await _partner(client)
    content = f"nik;nama\n{people['siti'].nik};Siti\n{UNKNOWN};Orang\n".encode("utf-8-sig")
    status, _ = await user.post("/web/mitra/tugas", _upload(user, content, "daftar.csv"))
    assert status == 303
    job = user.last.headers["Location"].rsplit("/", 1)[1]
    fragment = await _until_done(user, job)
    assert "2 dari 2 NIK" in fragment
    other = await _partner(client, "kementan")
    for path in (f"/web/mitra/tugas/{job}", f"/web/mitra/tugas/{job}/hasil"):
        status, body = await other.get(path)
        assert status == 404 and "hanya terlihat oleh akun yang mengirimnya" in body
    status, _ = await user.get(f"/web/mitra/tugas/{job}/hasil")
    assert status == 200  # still there for its owner


@pytest.mark.parametrize(("content", "program", "says"), [
    (b"3273016210381401\n3273011211161401\n12345\n", "", "Baris 3 berkas bukan NIK"),
    (b"\n\n", "", "Berkas tidak berisi NIK"),
    (b"3273016210381401\n", "pip-kemenag!", "Kode program ditulis"),
    (b"\xff\xfe3\x002\x00", "", "Berkas bukan berkas teks"),
])
async def test_a_bad_file_is_refused_with_what_to_do(site, content, program, says) -> None:
    client, _ = site
    user = await _partner(client)
    status, body = await user.post("/web/mitra/tugas", _upload(user, content, program=program))
    assert status == 400 and says in body and 'role="alert"' in body, body


async def test_only_partners_and_kemensos_send_jobs_and_a_post_needs_the_csrf_token(
        site) -> None:
    client, people = site
    dinsos = WebUser(client)
    await log_in(dinsos, "dinsos", "/web/mitra")
    await dinsos.get("/web/mitra")
    status, body = await dinsos.post("/web/mitra/tugas",
                                     _upload(dinsos, f"{people['siti'].nik}\n".encode()))
    assert status == 403 and "tidak berwenang" in body
    user = await _partner(client)
    user.csrf = "palsu"
    status, body = await user.post("/web/mitra/tugas",
                                   _upload(user, f"{people['siti'].nik}\n".encode()))
    assert status == 403 and body.startswith("Formulir sudah kedaluwarsa")
    visitor = WebUser(client)
    status, _ = await visitor.get("/web/mitra/tugas/abc")
    assert status == 303 and visitor.last.headers["Location"].startswith("/web/masuk")
