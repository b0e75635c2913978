"""Run a markdown page's commands as a reader runs them: its fenced blocks, exactly as printed,
one after the other in one bash shell, in an empty folder.

The script adds only the glue a person supplies by hand: a server command runs in the
background and the next command waits until it answers (a person waits for its first line);
serving the same kind of server again first stops the one before ("stop the node above"); a
GraphQL block is sent with the token of the role the text before it names (a person pastes it
into GraphiQL's Headers tab); a Python block runs as a file given to python3. Each block's
output is framed by a marker line, so a test can check what a reader would check in each
answer.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
# a server command: (how to tell it is ready, with {port}; its default port)
SERVERS = {"siks node serve": ("wait_ready http://127.0.0.1:{port}/readyz", 8100),
           "siks gateway serve": ("wait_ready http://127.0.0.1:{port}/readyz", 8080),
           "siks sandbox-registry serve": ("wait_ready http://127.0.0.1:{port}/healthz", 8199),
           # the demo's gateway starts after its nodes; the walkthrough is written right after
           "siks demo": ("wait_ready http://127.0.0.1:8100/readyz && "
                         "until test -f siks-demo/walkthrough/steps.sh; do sleep 0.2; done",
                         8101)}
RUNNABLE = ("bash", "sh", "graphql", "python")

Block = tuple[str, str, str]  # (language, code, the prose line just before it)
# where a GraphQL block goes: (url of /graphql, shell variable holding the token, or None)
GraphQLTarget = Callable[[Block], tuple[str, str | None]]


def fenced(text: str) -> list[Block]:
    """(language, code, the prose line just before it) for every fenced block, in order, the
    language "" when the block has none; a block indented inside a list item comes back
    dedented."""
    found: list[Block] = []
    lines = text.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        opening = re.match(r"( *)```(\w*)\s*$", lines[index])
        if opening is None:
            index += 1
            continue
        indent, end = opening.group(1), index + 1
        while end < len(lines) and lines[end].rstrip() != f"{indent}```":
            end += 1
        before = "".join(lines[:index]).rstrip().splitlines()
        found.append((opening.group(2), textwrap.dedent("".join(lines[index + 1:end])),
                      before[-1].strip() if before else ""))
        index = end + 1
    return found


def blocks(text: str) -> list[Block]:
    """The fenced blocks with a language."""
    return [b for b in fenced(text) if b[0]]


def unlabelled_blocks(text: str) -> list[str]:
    """The fenced blocks without a language: diagrams, synopses, sample output."""
    return [code for language, code, _ in fenced(text) if not language]


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


def doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """From the heading line starting with `heading` to the next heading of its level."""
    start = text.index(heading)
    level = heading.split(" ", 1)[0]
    end = text.find(f"\n{level} ", start + 1)
    return text[start:end if end > 0 else None]


def runnable(text: str) -> list[Block]:
    return [b for b in blocks(text) if b[0] in RUNNABLE]


def graphql_curl(url: str, token_variable: str | None, query: str) -> str:
    auth = f" -H \"Authorization: Bearer ${token_variable}\"" if token_variable else ""
    body = shlex.quote(json.dumps({"query": query}))
    return f"curl -s {url} -H 'Content-Type: application/json'{auth} -d {body}; echo"


def script(page_blocks: Iterable[Block], graphql: GraphQLTarget | None = None,
           by_hand: dict[int, str] | None = None) -> str:
    """The blocks as one bash script with the glue described above; `by_hand` holds what a
    person does before block N that the page says in words (Ctrl+C in a server's terminal:
    `kill $pid_K`, the K-th server started)."""
    # on exit, stop the servers and wait until they are gone: the next test may listen on
    # the same printed ports
    glue = ['set -euo pipefail',
            'trap \'rc=$?; kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null; exit $rc\' EXIT',
            'wait_ready() { for _ in $(seq 1 240); do curl -sf "$1" >/dev/null && return 0; '
            'sleep 0.5; done; echo "not ready: $1" >&2; return 1; }']
    serving: dict[str, str] = {}
    for number, block in enumerate(page_blocks):
        language, code, _ = block
        if by_hand and number in by_hand:
            glue.append(by_hand[number])
        glue.append(f"printf '\\n@@block {number}\\n'")  # on its own line after any output
        if language == "graphql":
            assert graphql is not None, f"no GraphQL endpoint for: {code}"
            url, token = graphql(block)
            glue.append(graphql_curl(url, token, code))
            continue
        if language == "python":  # a reader saves it to a file and runs it with python3
            glue.append(f"python3 - <<'PYTHON_BLOCK'\n{code}PYTHON_BLOCK")
            continue
        for line in commands(code):
            server = next((s for s in SERVERS if line.startswith(s)), None)
            if server is None:
                glue.append(line + ("; echo" if line.startswith("curl -s http")
                                    and _complete(line) else ""))
                continue
            ready, default = SERVERS[server]
            port = re.search(r"--(?:base-)?port (\d+)", line)
            key = f"{server} {port.group(1) if port else default}"
            if key in serving:  # "stop the node above": it is served again, differently
                glue.append(f"kill {serving[key]} && wait {serving[key]} || true")
            glue += [line.split("#")[0].rstrip() + " > /dev/null 2>&1 &",
                     f"pid_{len(serving)}=$!",
                     ready.format(port=port.group(1) if port else default)]
            serving[key] = f"$pid_{len(serving)}"
    return "\n".join(glue) + "\n"


def _complete(line: str) -> bool:
    """The line is a whole command (its quotes close on it)."""
    try:
        shlex.split(line)
    except ValueError:
        return False
    return True


def environment() -> dict[str, str]:
    """The caller's environment without any SIKS_NODE_/SIKS_GATEWAY_ setting, the venv's
    `siks` and `python3` first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    for name in [n for n in env if n.startswith(("SIKS_NODE_", "SIKS_GATEWAY_",
                                                 "SIKS_SANDBOX_"))]:
        del env[name]
    return env


def run(text: str, cwd: Path, timeout: float = 120) -> dict[int, str]:
    """Run the script; fail with its output unless it exits 0; each block's output by number."""
    done = subprocess.run(["bash", "-c", text], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=environment())
    assert done.returncode == 0, f"{done.stdout}\n--- stderr\n{done.stderr[-4000:]}"
    return outputs(done.stdout)


def outputs(stdout: str) -> dict[int, str]:
    parts = re.split(r"^@@block (\d+)$", stdout, flags=re.MULTILINE)
    return {int(parts[i]): parts[i + 1].removeprefix("\n") for i in range(1, len(parts) - 1, 2)}


def json_lines(text: str) -> list[dict]:
    """The JSON objects printed at the start of lines (several on one line when a command
    printed no newline after its answer; text after the last one is left)."""
    found, decoder = [], json.JSONDecoder()
    for line in text.splitlines():
        position = 0
        while line.startswith("{", position):
            value, position = decoder.raw_decode(line, position)
            found.append(value)
    return found


def require_free_ports(ports: Iterable[int], page: str) -> None:
    """The page prints these ports; fail with a clear message when one is taken."""
    taken = []
    for port in ports:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                taken.append(port)
    if taken:
        pytest.fail(f"{page} uses ports {taken}, which are taken on this machine")


def same_keys(sample: object, real: object, path: str = "") -> None:
    """A printed sample and the real answer have the same keys, recursively (lists: first item)."""
    if isinstance(sample, dict):
        assert isinstance(real, dict), f"{path}: {real!r}"
        assert set(sample) == set(real), f"{path}: printed {sorted(sample)}, real {sorted(real)}"
        for key in sample:
            same_keys(sample[key], real[key], f"{path}.{key}")
    elif isinstance(sample, list) and sample and isinstance(real, list) and real:
        same_keys(sample[0], real[0], f"{path}[0]")
