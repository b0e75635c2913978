"""The README's commands, run as a newcomer runs them: every fenced block, exactly as printed,
one after the other in one shell, in an empty folder, on the ports the README names.

The test adds only glue a person supplies by hand: a server command runs in the background
and the next command waits until it answers (a person waits for its first line), "stop the
node above" stops it, and a GraphQL block is sent with the token the block before obtained
(a person pastes it into GraphiQL's Headers tab). Blocks that install or run the test suite
are what `.ci/run` runs, word for word; `siks demo` is driven by tests/test_demo_walkthrough.py.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
CI = REPO / ".ci" / "run"
SERVERS = {"siks node serve": "http://127.0.0.1:{port}/readyz",
           "siks gateway serve": "http://127.0.0.1:{port}/readyz"}
README_PORTS = (8100, 8200, 8080, 8443)


def blocks(text: str) -> list[tuple[str, str, str]]:
    """(language, code, the prose line just before it) for every fenced block."""
    found = []
    for match in re.finditer(r"```(\w+)\n(.*?)```", text, flags=re.DOTALL):
        before = text[:match.start()].rstrip().splitlines()
        found.append((match.group(1), match.group(2), before[-1] if before else ""))
    return found


def commands(code: str) -> list[str]:
    """Shell lines with their continuations joined, comments after `#` kept (bash drops them)."""
    joined, current = [], ""
    for line in code.splitlines():
        current += line[:-1] + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            if current.strip():
                joined.append(current)
            current = ""
    return joined


def _section(name: str) -> str:
    text = README.read_text()
    start = text.index(f"## {name}")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def test_the_quick_start_and_the_test_commands_are_what_ci_runs():
    ci = [line.strip() for line in CI.read_text().splitlines()]
    quick = [b for b in blocks(_section("Quick start")) if b[0] == "bash"]
    assert len(quick) == 1
    lines = commands(quick[0][1])
    assert lines[0].startswith("python3 -m venv .venv && . .venv/bin/activate && pip install")
    install = lines[0].split(" && ")[-1]
    assert install.replace("pip install ", "pip install -q ", 1) in ci or install in ci
    runs = {line.split("#")[0].strip() for line in lines[1:]}
    assert runs == {"siks demo", "pytest"}
    assert "pytest" in ci
    tests_block = [b for b in blocks(_section("Tests, lint, types")) if b[0] == "bash"]
    assert [c.strip() for c in commands(tests_block[0][1])] == ["pytest", "ruff check . && mypy"]
    assert "ruff check ." in ci and "mypy" in ci


def _script(sections: list[str]) -> str:
    """The README's blocks of these sections, as one bash script with the glue described
    above; each block's output is framed by a marker line."""
    glue = ['set -euo pipefail', 'trap \'kill $(jobs -p) 2>/dev/null || true\' EXIT',
            'wait_ready() { for _ in $(seq 1 120); do curl -sf "$1" >/dev/null && return 0; '
            'sleep 0.5; done; echo "not ready: $1" >&2; return 1; }']
    serving: dict[str, str] = {}
    for number, (language, code, _) in enumerate(
            b for section in sections for b in blocks(_section(section))):
        glue.append(f"echo '@@block {number}'")
        if language == "graphql":
            query = json.dumps({"query": code})
            glue.append(f"curl -s http://127.0.0.1:8100/graphql -H 'Content-Type: "
                        f"application/json' -H \"Authorization: Bearer $TOKEN\" "
                        f"-d {shlex.quote(query)}; echo")
            continue
        for line in commands(code):
            server = next((s for s in SERVERS if line.startswith(s)), None)
            if server is None:
                glue.append(line + ("; echo" if line.startswith("curl -s http") else ""))
                continue
            if server in serving:  # "stop the node above": it is served again, differently
                glue.append(f"kill {serving[server]} && wait {serving[server]} || true")
            port = re.search(r"--port (\d+)", line)
            assert port is not None, line
            glue += [line.split("#")[0].rstrip() + " > /dev/null 2>&1 &",
                     f"pid_{len(serving)}=$!",
                     f"wait_ready {SERVERS[server].format(port=port.group(1))}"]
            serving[server] = f"$pid_{len(serving)}"
    return "\n".join(glue) + "\n"


def _outputs(stdout: str) -> dict[int, str]:
    parts = re.split(r"^@@block (\d+)$", stdout, flags=re.MULTILINE)
    return {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _ports_free() -> bool:
    import socket

    for port in README_PORTS:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return False
    return True


def test_the_readme_runs_a_node_and_the_federation_as_printed(tmp_path):
    if not _ports_free():
        pytest.fail(f"the README's ports {README_PORTS} are taken on this machine")
    script = _script(["Run one regional node", "Run the federation",
                      "Import existing DTKS data"])
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    for name in [n for n in env if n.startswith(("SIKS_NODE_", "SIKS_GATEWAY_"))]:
        del env[name]
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=420, env=env)
    assert done.returncode == 0, f"{done.stdout}\n--- stderr\n{done.stderr[-4000:]}"
    out = _outputs(done.stdout)
    households = _json_lines(out[1])[0]["data"]["households"]["edges"]
    assert len(households) == 3 and all(e["node"]["head"]["name"] for e in households)
    pasted = _json_lines(out[2])[0]
    assert "errors" not in pasted, pasted
    assert pasted["data"]["node"]["regionName"] == "Kota Bandung"
    assert "installed tls certificate" in out[3]
    assert "node 32.73 serving the gateway with mutual TLS" not in out[4]  # in the background
    assert re.search(r"registered 32\.73 at https://127\.0\.0\.1:8200: ACTIVE", out[5])
    national = _json_lines(out[6])[0]
    assert "errors" not in national, national
    assert national["data"]["nodes"] == [{"region": "32.73", "status": "ACTIVE"}]
    assert national["data"]["householdCounts"] == [{"kabkotaCode": "32.73",
                                                    "households": 2000}]
    assert "300" in out[7] and (tmp_path / "template.xlsx").is_file()
