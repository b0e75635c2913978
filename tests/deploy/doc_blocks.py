"""The command blocks of docs/deploy.md, the example configuration files and the systemd unit
of deploy/, read as they are printed (no second copy of the commands in the tests)."""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "deploy.md"
UNIT = ROOT / "deploy" / "siks-node.service"
INSTALLED_SIKS = "/opt/siks/venv/bin/siks"
MARK = "tests/deploy/test_deploy_doc.py"
COMPOSE_MARK = "tests/deploy/test_compose_e2e.py"
_BLOCK = re.compile(r"(?:<!-- tested: (?P<test>[^ ]+?)(?: \((?P<kind>[^)]*)\))? -->\n)?"
                    r"```bash\n(?P<body>.*?)```", re.S)


@dataclass(frozen=True)
class Block:
    kind: str | None  # None: not marked; "": run; "server", "node running", "sqlite",
    # "compose" (docker-compose run/exec lines, run by the compose end-to-end test)
    body: str


def blocks(path: Path = DOC) -> list[Block]:
    found = []
    for match in _BLOCK.finditer(path.read_text()):
        marked = match.group("test")
        assert marked in (None, MARK, COMPOSE_MARK), f"unknown test {marked!r} in {path}"
        found.append(Block(None if marked is None else (match.group("kind") or ""),
                           match.group("body")))
    return found


def env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines (comments and blank lines skipped), as systemd reads them."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def unit_setting(name: str, path: Path = UNIT) -> str:
    for line in path.read_text().splitlines():
        if line.startswith(name + "="):
            return line.partition("=")[2]
    raise AssertionError(f"no {name}= in {path}")


def unit_command(name: str) -> list[str]:
    """``ExecStart``/``ExecStartPre`` with the installed ``siks`` run from this checkout."""
    words = shlex.split(unit_setting(name))
    assert words[0] == INSTALLED_SIKS, words
    return [sys.executable, "-m", "siks", *words[1:]]


def compose_steps(path: Path = DOC) -> list[tuple[str, list[str]]]:
    """(service, ``siks ...`` words) of each ``docker-compose run --rm --no-deps SERVICE
    siks ...`` / ``docker-compose exec SERVICE siks ...`` line of the ``(compose)`` blocks."""
    steps = []
    for block in blocks(path):
        if block.kind != "compose":
            continue
        for line in block.body.splitlines():
            words = shlex.split(line)
            if words[:4] == ["docker-compose", "run", "--rm", "--no-deps"]:
                service, command = words[4], words[5:]
            else:
                assert words[:2] == ["docker-compose", "exec"], line
                service, command = words[2], words[3:]
            assert command[0] == "siks", line
            steps.append((service, command))
    return steps
