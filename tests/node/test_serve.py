"""`siks node migrate` and `siks node serve` as a user runs them: real processes, real ports."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

SIKS = [sys.executable, "-m", "siks"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _wait_ready(url: str, process: subprocess.Popen, deadline: float = 30) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            if _get(url)[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError("node did not become ready")


def test_serve_answers_graphql_and_stops_cleanly(database_url):
    port = _free_port()
    process = subprocess.Popen(
        [*SIKS, "node", "serve", "--region", "32.73", "--db", database_url, "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_ready(f"http://127.0.0.1:{port}/readyz", process)
        status, body = _get(f"http://127.0.0.1:{port}/graphql",
                            {"query": "{ node { region regionName } }"})
        assert status == 200
        assert body == {"data": {"node": {"region": "32.73", "regionName": "Kota Bandung"}}}
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert f"serving GraphQL at http://127.0.0.1:{port}/graphql" in out
    assert "Traceback" not in err


def test_command_line_errors_are_one_line(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'n.db'}"
    ok = subprocess.run([*SIKS, "node", "migrate", "--region", "32.73", "--db", db],
                        capture_output=True, text=True, env=_clean_env())
    assert ok.returncode == 0 and "database ready for region 32.73" in ok.stdout
    cases = [
        (["node", "migrate", "--db", db], "SIKS_NODE_REGION is not set"),
        (["node", "migrate", "--region", "35.78", "--db", db],
         "this database belongs to region 32.73, not 35.78"),
        (["node", "serve", "--region", "32.73", "--db", "mysql://x/y"], "unsupported database"),
        (["audit", "verify"], "SIKS_NODE_DB_URL is not set"),
    ]
    for argv, message in cases:
        result = subprocess.run([*SIKS, *argv], capture_output=True, text=True, env=_clean_env())
        assert result.returncode == 2, (argv, result.stderr)
        assert result.stderr.strip() == f"siks: error: {message}" or (
            result.stderr.startswith("siks: error: ") and message in result.stderr
            and len(result.stderr.strip().splitlines()) == 1), (argv, result.stderr)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SIKS_NODE_")}
