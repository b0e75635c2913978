"""`siks node serve` with the region's PKI, as a Dinas Sosial runs it: the mutual-TLS listener
for the gateway beside the staff API, and one line for each start-up mistake."""

from __future__ import annotations

import json
import shutil
import signal
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from certs.dev import ensure_dev_pki
from certs.identity import Identity
from certs.layout import PkiLayout
from tests.node.test_serve import _free_port, _wait_ready

SIKS = [sys.executable, "-m", "siks"]
BANDUNG = Identity.region("32.73")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pki")
    ensure_dev_pki(root, regions=("32.73", "35.78"))
    return root


def _https(url: str, context: ssl.SSLContext) -> tuple[int, dict]:
    with urllib.request.urlopen(url, context=context, timeout=5) as response:
        return response.status, json.loads(response.read())


def _client(pki: Path, holder: Identity | None) -> ssl.SSLContext:
    layout = PkiLayout(pki)
    context = ssl.create_default_context(cafile=str(layout.ca_certificate))
    if holder is not None:
        context.load_cert_chain(layout.tls_certificate(holder), layout.tls_key(holder))
    return context


def test_serve_opens_the_gateway_listener_with_mutual_tls(pki, tmp_path):
    port, mtls = _free_port(), _free_port()
    process = subprocess.Popen(
        [*SIKS, "node", "serve", "--region", "32.73", "--db", f"sqlite:///{tmp_path}/n.db",
         "--port", str(port), "--pki-dir", str(pki), "--mtls-port", str(mtls)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_ready(f"http://127.0.0.1:{port}/readyz", process)
        status, body = _https(f"https://127.0.0.1:{mtls}/readyz",
                              _client(pki, Identity.gateway()))
        assert status == 200 and body["region"] == "32.73"
        with pytest.raises((ssl.SSLError, urllib.error.URLError, ConnectionError)):
            _https(f"https://127.0.0.1:{mtls}/readyz", _client(pki, None))  # no certificate
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
    assert f"serving the gateway with mutual TLS at https://127.0.0.1:{mtls}" in out


def test_the_environment_configures_the_same(pki, tmp_path):
    port = _free_port()
    env = {"SIKS_NODE_REGION": "32.73", "SIKS_NODE_DB_URL": f"sqlite:///{tmp_path}/n.db",
           "SIKS_NODE_PORT": str(port), "SIKS_NODE_PKI_DIR": str(pki),
           "SIKS_NODE_MTLS_PORT": str(_free_port()), "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen([*SIKS, "node", "serve"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        _wait_ready(f"http://127.0.0.1:{port}/readyz", process)
        status, _ = _https(f"https://127.0.0.1:{env['SIKS_NODE_MTLS_PORT']}/healthz",
                           _client(pki, Identity.gateway()))
        assert status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)


def _broken_pki(pki: Path, tmp_path: Path, fault: str) -> Path:
    copy = tmp_path / "pki"
    shutil.copytree(pki, copy)
    layout = PkiLayout(copy)
    if fault == "other_region":
        surabaya = Identity.region("35.78")
        for name in ("signing.crt", "signing.key", "tls.crt", "tls.key"):
            (layout.holder_dir(BANDUNG) / name).write_bytes(
                (layout.holder_dir(surabaya) / name).read_bytes())
    elif fault == "key_mismatch":
        layout.signing_key(BANDUNG).write_bytes(layout.tls_key(BANDUNG).read_bytes())
    return copy


@pytest.mark.parametrize(("fault", "says"), [
    ("missing_dir", "SIKS_NODE_PKI_DIR: {missing} is not a directory"),
    ("other_region", "is a certificate of 35.78 Kota Surabaya, not of 32.73 Kota Bandung"),
    ("key_mismatch", "signing.key does not belong to"),
])
def test_a_pki_mistake_is_one_line(pki, tmp_path, fault, says):
    directory = (tmp_path / "nowhere" if fault == "missing_dir"
                 else _broken_pki(pki, tmp_path, fault))
    done = subprocess.run(
        [*SIKS, "node", "serve", "--region", "32.73", "--db", f"sqlite:///{tmp_path}/n.db",
         "--port", str(_free_port()), "--pki-dir", str(directory)],
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("siks: error: "), done.stderr
    assert says.format(missing=directory) in lines[0]
    assert not (tmp_path / "n.db").exists()  # refused before anything was written


@pytest.mark.parametrize(("url", "says"), [
    ("postgresql://postgres@127.0.0.1:5432/siks_no_such_database",
     'database "siks_no_such_database" does not exist'),
    ("postgresql://postgres@127.0.0.1:1/x", "cannot reach the database at 127.0.0.1:1/x"),
    ("sqlite:///{tmp}/no-such-folder/node.db", "the folder {tmp}/no-such-folder does not exist"),
])
def test_a_database_mistake_is_one_line(tmp_path, url, says):
    url, says = url.format(tmp=tmp_path), says.format(tmp=tmp_path)
    done = subprocess.run(
        [*SIKS, "node", "serve", "--region", "32.73", "--db", url,
         "--port", str(_free_port())], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if " INFO " not in line]
    assert len(errors) == 1 and errors[0].startswith("siks: error: "), done.stderr
    assert says in errors[0]
    assert not (tmp_path / "no-such-folder").exists()


GATEWAY_SECRET = "s" * 40


@pytest.mark.parametrize(("fault", "says"), [
    ("missing_dir", "SIKS_GATEWAY_PKI_DIR: {missing} is not a directory"),
    ("region_certificate", "is a certificate of 32.73 Kota Bandung, not of"),
    ("no_database", 'database "siks_no_such_gateway" does not exist'),
    ("no_folder", "the folder {tmp}/no-such-folder does not exist"),
])
def test_a_gateway_start_up_mistake_is_one_line(pki, tmp_path, fault, says):
    directory, db = pki, f"sqlite:///{tmp_path}/g.db"
    if fault == "missing_dir":
        directory = tmp_path / "nowhere"
    elif fault == "region_certificate":
        directory = tmp_path / "pki"
        shutil.copytree(pki, directory)
        layout = PkiLayout(directory)
        for name in ("signing.crt", "signing.key", "tls.crt", "tls.key"):
            (layout.holder_dir(Identity.gateway()) / name).write_bytes(
                (layout.holder_dir(BANDUNG) / name).read_bytes())
    elif fault == "no_database":
        db = "postgresql://postgres@127.0.0.1:5432/siks_no_such_gateway"
    else:
        db = f"sqlite:///{tmp_path}/no-such-folder/g.db"
    done = subprocess.run(
        [*SIKS, "gateway", "serve", "--db", db, "--pki-dir", str(directory),
         "--port", str(_free_port()), "--inbox-port", str(_free_port()),
         "--directory-secret", GATEWAY_SECRET], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.strip().splitlines() if line.startswith("siks")]
    assert len(lines) == 1 and lines[0].startswith("siks: error: "), done.stderr
    assert "Traceback" not in done.stderr
    assert says.format(missing=directory, tmp=tmp_path) in lines[0]
