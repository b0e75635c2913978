"""docs/deploy.md as a deployer follows it: every marked ```bash block runs as printed, in
order, in one working directory, with the variables of deploy/node.env.example and
deploy/gateway.env.example (data, PKI and database pointed at temporary ones, free ports),
and SIKS_PKI_DIR naming the CA's directory. The systemd unit's ExecStartPre/ExecStart start
the node where the doc shows it running; a `(server)` block is started and must become ready.
Blocks not marked are the operating system's part (they use sudo)."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from cryptography import x509

from tests.conftest import POSTGRES_URL, _pg_execute
from tests.deploy.compose import free_port
from tests.deploy.conftest import _create_databases
from tests.deploy.doc_blocks import (
    DOC,
    ROOT,
    UNIT,
    Block,
    blocks,
    env_file,
    unit_command,
    unit_setting,
)

BLOCK_TIMEOUT_S = 60
READY_S = 30


def _local(values: Mapping[str, str], tmp: Path, prefix: str, database_url: str
           ) -> dict[str, str]:
    local = dict(values)
    for key in values:
        if key.endswith("_DB_URL"):
            local[key] = database_url
        elif key.endswith(("_PKI_DIR", "_DATA_DIR")):
            local[key] = str(tmp / f"{prefix}-{key.rsplit('_', 2)[-2].lower()}")
        elif key.endswith("_PORT"):
            local[key] = str(free_port())
    return local


def _environment(tmp: Path, node_db: str, gateway_db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIKS_")}
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}"
    env["HOME"] = str(tmp / "home")
    env["SIKS_PKI_DIR"] = str(tmp / "ca")
    env.update(_local(env_file(ROOT / "deploy" / "node.env.example"), tmp, "node", node_db))
    env.update(_local(env_file(ROOT / "deploy" / "gateway.env.example"), tmp, "gateway",
                      gateway_db))
    for key in ("SIKS_NODE_PKI_DIR", "SIKS_NODE_DATA_DIR", "SIKS_GATEWAY_DATA_DIR", "HOME"):
        Path(env[key]).mkdir(parents=True, exist_ok=True)
    return env


def _run(body: str, env: Mapping[str, str], cwd: Path) -> str:
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", body], env=dict(env), cwd=cwd,
                          capture_output=True, text=True, timeout=BLOCK_TIMEOUT_S)
    assert done.returncode == 0, f"{body}\nexited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_S
    while True:
        assert process.poll() is None, f"stopped ({process.returncode}):\n{log.read_text()}"
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        assert time.monotonic() < deadline, f"{url} not ready in {READY_S} s:\n{log.read_text()}"
        time.sleep(0.2)


@contextmanager
def _serving(command: list[str], env: Mapping[str, str], cwd: Path, ready_url: str
             ) -> Iterator[None]:
    log = cwd / f"server-{uuid.uuid4().hex[:6]}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=dict(env), cwd=cwd, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _ready(ready_url, process, log)
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def _node_unit(env: Mapping[str, str], cwd: Path) -> AbstractContextManager[None]:
    assert unit_setting("EnvironmentFile") == "/etc/siks/node.env"
    subprocess.run(unit_command("ExecStartPre"), env=dict(env), cwd=cwd, check=True,
                   capture_output=True, timeout=BLOCK_TIMEOUT_S)
    return _serving(unit_command("ExecStart"), env, cwd,
                    f"http://127.0.0.1:{env['SIKS_NODE_PORT']}/readyz")


def _play(block: Block, env: Mapping[str, str], cwd: Path) -> None:
    if block.kind == "":
        _run(block.body, env, cwd)
    elif block.kind == "node running":
        with _node_unit(env, cwd):
            _run(block.body, env, cwd)
    elif block.kind == "server":
        assert block.body.startswith("siks gateway serve"), block.body
        command = [sys.executable, "-m", "siks", *block.body.split()[1:]]
        with _serving(command, env, cwd, f"http://127.0.0.1:{env['SIKS_GATEWAY_PORT']}/readyz"):
            pass
    else:
        raise AssertionError(f"unknown kind {block.kind!r}")


def test_every_command_block_is_tested_or_the_operating_system_s():
    found = blocks()
    assert len([b for b in found if b.kind is not None]) >= 15
    for block in found:
        assert block.kind in (None, "", "server", "node running", "sqlite", "compose"), block
        if block.kind is None:
            assert "sudo " in block.body, f"untested block without sudo:\n{block.body}"
    assert "EnvironmentFile=/etc/siks/node.env" in UNIT.read_text()
    assert "deploy.md" in (ROOT / "README.md").read_text()
    assert DOC.name == "deploy.md"


TOOLS = ("bash", "curl", "tar", "shred", "base64", "pg_dump", "pg_restore")


@pytest.mark.postgres
def test_the_deployment_guide_runs_as_printed(tmp_path):
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    assert not missing, f"the guide's commands need {', '.join(missing)} on this machine"
    tag = f"siks_deploydoc_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    names = [f"{tag}_node", f"{tag}_gateway"]
    _create_databases(names)
    base, _, _ = POSTGRES_URL.rpartition("/")
    work = tmp_path / "work"
    work.mkdir()
    env = _environment(tmp_path, f"{base}/{names[0]}", f"{base}/{names[1]}")
    try:
        for block in blocks():
            if block.kind in ("", "server", "node running"):
                _play(block, env, work)
        nodes = _run("siks gateway nodes", env, work)
    finally:
        import asyncio

        asyncio.run(_pg_execute(*(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)'
                                  for n in names)))
    assert "32.73" in nodes
    assert len(list((work / "deploy" / "secrets").iterdir())) == 6
    node_pki = Path(env["SIKS_NODE_PKI_DIR"])
    retired = {p.stem for p in (node_pki / "regions" / "32.73" / "retired").glob("*.crt")}
    assert len(retired) == 2
    crl = x509.load_pem_x509_crl((node_pki / "ca" / "crl.pem").read_bytes())
    revoked = {format(entry.serial_number, "x") for entry in crl}
    current = x509.load_pem_x509_certificate(
        (node_pki / "regions" / "32.73" / "signing.crt").read_bytes())
    assert retired <= revoked and format(current.serial_number, "x") in revoked
    assert (Path(env["SIKS_GATEWAY_PKI_DIR"]) / "ca" / "crl.pem").read_bytes() == \
        (node_pki / "ca" / "crl.pem").read_bytes()


def test_the_sqlite_backup_runs_as_printed(tmp_path):
    if subprocess.run(["sh", "-c", "command -v sqlite3"], capture_output=True).returncode:
        pytest.skip("the sqlite3 command-line shell is not installed")
    database = tmp_path / "node.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIKS_")}
    env.update(SIKS_NODE_DB_URL=f"sqlite:///{database}", SIKS_NODE_REGION="32.73")
    subprocess.run([sys.executable, "-m", "siks", "node", "migrate"], env=env, check=True,
                   capture_output=True, timeout=BLOCK_TIMEOUT_S)
    [block] = [b for b in blocks() if b.kind == "sqlite"]
    _run(block.body, env, tmp_path)
    [backup] = tmp_path.glob("siks-node-*.db")
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
