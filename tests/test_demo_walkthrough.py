"""`siks demo` driven as a newcomer drives it: start it, then run what it prints, exactly as
printed — the login curl, the queries to try, and the walkthrough it names, which takes one
proposal from an operator's draft to Kemensos' determination and returns a second one."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_demo import _base_port

SIKS = [sys.executable, "-m", "siks"]
READY_LINE = "Data tersimpan di / data lives in "


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("SIKS_NODE_DUKCAPIL_URL", None)
    return env


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[str]]]:
    directory = tmp_path_factory.mktemp("demo") / "siks-demo"
    process = subprocess.Popen(
        [*SIKS, "demo", "--dir", str(directory), "--households", "30",
         "--base-port", str(_base_port())],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=_environment())
    printed: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line, f"siks demo stopped early: {''.join(printed)}"
            printed.append(line.rstrip("\n"))
            if line.startswith(READY_LINE):
                break
        else:
            raise AssertionError("siks demo did not get ready")
        yield directory, printed
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


def _after(printed: list[str], prefix: str) -> str:
    return next(line for line in printed if line.startswith(prefix)).split(":  ", 1)[1]


def _bash(script: str, cwd: Path | None = None, timeout: float = 300) -> str:
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True,
                          text=True, timeout=timeout, env=_environment(), cwd=cwd)
    assert done.returncode == 0, f"{script}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    return done.stdout


def _post(url: str, query: str, token: str | None) -> dict:
    import urllib.request

    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps({"query": query}).encode(),
                                     headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _login(url: str, username: str, directory: Path, key: str) -> str:
    import urllib.request

    password = json.loads((directory / "demo-logins.json").read_text())[key]
    request = urllib.request.Request(
        f"{url}/auth/login", data=json.dumps({"username": username,
                                              "password": password}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.loads(response.read())["access_token"])


def test_the_printed_login_and_queries_work(demo):
    directory, printed = demo
    curl = next(line.strip() for line in printed if line.strip().startswith("curl -s -X POST"))
    token = json.loads(_bash(curl))["access_token"]
    gateway = re.search(r"national gateway: (http://\S+/graphql)", printed[1])
    assert gateway is not None
    answer = _post(gateway.group(1), _after(printed, "Coba di gateway"), token)
    assert "errors" not in answer, answer
    assert {n["region"] for n in answer["data"]["nodes"]} == {"32.73", "35.78", "53.71"}
    assert all(n["status"] == "ACTIVE" for n in answer["data"]["nodes"])

    node = re.search(r"32\.73 .* GraphiQL: (http://\S+)/graphql", "\n".join(printed))
    assert node is not None
    staff = _login(node.group(1), "dinsos-3273", directory, "32.73/dinsos-3273")
    answer = _post(f"{node.group(1)}/graphql", _after(printed, "Coba di GraphiQL node"),
                   staff)
    assert "errors" not in answer, answer
    assert answer["data"]["node"]["regionName"] == "Kota Bandung"
    assert len(answer["data"]["households"]["edges"]) == 5

    public = printed[printed.index(next(line for line in printed
                                        if line.startswith("Tanpa token"))) + 1].strip()
    found = _post(gateway.group(1), public, None)  # the public: no token
    assert "errors" not in found, found
    [edge] = found["data"]["households"]["edges"]
    assert edge["node"]["head"]["name"].endswith("*")  # masked for the public
    assert edge["node"]["programs"] is not None


def test_each_demo_node_signs_tokens_with_its_own_key(demo):
    """Security review #16, item 16: the three demo nodes shared one token-signing key."""
    import urllib.request

    _, printed = demo
    nodes = re.findall(r"\d\d\.\d\d .* GraphiQL: (http://\S+)/graphql", "\n".join(printed))
    assert len(nodes) == 3
    keys = set()
    for url in nodes:
        with urllib.request.urlopen(f"{url}/auth/jwks", timeout=10) as response:
            keys |= {json.dumps(k, sort_keys=True) for k in json.loads(response.read())["keys"]}
    assert len(keys) == 3


def test_the_walkthrough_runs_as_written(demo):
    directory, printed = demo
    guide = Path(next(line for line in printed if line.startswith("Panduan, satu usulan"))
                 .rsplit(": ", 1)[1])
    assert guide == directory / "walkthrough" / "PANDUAN.md"
    blocks = re.findall(r"```bash\n(.*?)```", guide.read_text(), flags=re.DOTALL)
    assert len(blocks) >= 6
    output = _bash("\n".join(blocks))
    states = re.findall(r"usulan / proposal (\S+): (\w+)", output)
    first, second = states[0][0], states[-1][0]
    assert (first, "RECEIVED_NATIONAL") in states and (first, "DETERMINED") in states
    assert (second, "RECEIVED_NATIONAL") in states and (second, "RETURNED") in states
    shown = [json.loads(line)["proposal"] for line in output.splitlines()
             if line.startswith('{"proposal"')]
    assert [p["state"] for p in shown] == ["DETERMINED", "RETURNED"]
    assert shown[1]["reason"] == "foto rumah sama dengan usulan lain"
    notices = next(json.loads(line)["notifications"]["edges"] for line in output.splitlines()
                   if line.startswith('{"notifications"'))
    told = [n["node"] for n in notices if n["node"]["topic"] == "PROPOSAL_RETURNED"]
    assert [n["proposalId"] for n in told] == [second]
    assert "foto rumah sama dengan usulan lain" in told[0]["message"]
    pdf = hashlib.sha256((guide.parent / "keputusan-mensos.pdf").read_bytes()).hexdigest()
    assert shown[0]["decree"]["number"] == "146/HUK/2026"
    assert shown[0]["decree"]["pdfSha256"] == pdf and shown[1]["decree"] is None
    waiting = next(json.loads(line) for line in output.splitlines()
                   if line.startswith('{"nationalRecordSummary"'))
    assert waiting["nationalRecordSummary"][0]["received"] >= 1
    record = next(e["node"] for e in waiting["nationalRecords"]["edges"]
                  if e["node"]["id"] == first)
    assert record["approvedBy"] == "user:dinsos-3273" and record["kind"] == "NEW_HOUSEHOLD"
    assert record["musdes"]["minutesNumber"].startswith("BA/01/")
    assert record["signerKid"].startswith("32.73#")
    assert [e["action"] for e in shown[0]["history"]][-3:] == [
        "SEND", "RECEIVE_NATIONAL", "DETERMINE"]
    # the gateway holds both records, signed, on an audit chain that verifies
    audit = subprocess.run([*SIKS, "gateway", "audit", "verify", "--db",
                            f"sqlite:///{directory / 'gateway.sqlite'}"],
                           capture_output=True, text=True, env=_environment(), timeout=60)
    assert audit.returncode == 0 and "gateway audit chain OK" in audit.stdout, audit.stderr


def _codes(answer: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in answer.get("errors", [])]


DETERMINE = ('mutation {{ determineRecords(input: {{decreeNumber: "1/HUK/2026", '
             'decreeDate: "2026-12-01", period: "2026-12", pdfSha256: "{pdf}", '
             'recordIds: [{ids}]}}) {{ region messageId }} }}')


def test_only_kemensos_decides_and_bad_decisions_are_refused(demo):
    directory, printed = demo
    gateway = re.search(r"national gateway: (http://\S+)/graphql", printed[1])
    assert gateway is not None
    url = f"{gateway.group(1)}/graphql"
    good = DETERMINE.format(pdf="a" * 64, ids='"00000000-0000-4000-8000-000000000000"')
    dinsos = _login(gateway.group(1), "dinsos-3273", directory, "gateway/dinsos-3273")
    for token in (dinsos, None):  # a region's Dinas Sosial, the public
        answer = _post(url, good, token)
        assert _codes(answer) == ["FORBIDDEN_FIELD"] and answer["data"] == {
            "determineRecords": None}
        listing = _post(url, "{ nationalRecords { totalCount } }", token)
        assert _codes(listing) == ["FORBIDDEN_FIELD"]
    kemensos = _login(gateway.group(1), "kemensos", directory, "gateway/kemensos")
    unknown = _post(url, good, kemensos)
    assert _codes(unknown) == ["INVALID_INPUT"] and "no record received" in str(unknown)
    bad_pdf = _post(url, DETERMINE.format(pdf="not-a-hash", ids='"x"'), kemensos)
    assert _codes(bad_pdf) == ["INVALID_INPUT"] and "pdfSha256" in str(bad_pdf)
    no_reason = _post(url, 'mutation { returnRecords(input: {recordIds: ["x"], reason: " "}) '
                           "{ region } }", kemensos)
    assert _codes(no_reason) == ["INVALID_INPUT"]
    decided = _post(url, "{ nationalRecords(filter: {state: DETERMINED}) { edges { node { id "
                         "decree { number } } } } }", kemensos)
    edges = decided["data"]["nationalRecords"]["edges"]
    assert edges, "the walkthrough above determined a record"
    for edge in edges:  # a decided record stays decided
        again = _post(url, DETERMINE.format(pdf="b" * 64, ids=f'"{edge["node"]["id"]}"'),
                      kemensos)
        assert _codes(again) == ["INVALID_INPUT"] and "already decided" in str(again)
