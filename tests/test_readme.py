"""The README's commands, run as a newcomer runs them: every fenced block, exactly as printed,
one after the other in one shell, in an empty folder, on the ports the README names.

The test adds only glue a person supplies by hand (tests/docs/runner.py, shared with the
docs' tests): a server command runs in the background and the next command waits until it
answers (a person waits for its first line), "stop the node above" stops it, and a GraphQL
block is sent with the token the block before obtained (a person pastes it into GraphiQL's
Headers tab). Blocks that install or run the test suite
are what `.ci/run` runs, word for word; `siks demo` is driven by tests/test_demo_walkthrough.py.
"""

from __future__ import annotations

import re

from tests.docs.runner import REPO, blocks, commands, json_lines, require_free_ports, run, script

README = REPO / "README.md"
CI = REPO / ".ci" / "run"
README_PORTS = (8100, 8200, 8080, 8443)


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
    """The README's blocks of these sections as one bash script (tests/docs/runner.py)."""
    return script((b for section in sections for b in blocks(_section(section))),
                  graphql=lambda block: ("http://127.0.0.1:8100/graphql", "TOKEN"))


def test_the_readme_runs_a_node_and_the_federation_as_printed(tmp_path):
    require_free_ports(README_PORTS, "the README")
    script = _script(["Run one regional node", "Run the federation",
                      "Import existing DTKS data"])
    out = run(script, tmp_path, timeout=420)
    households = json_lines(out[1])[0]["data"]["households"]["edges"]
    assert len(households) == 3 and all(e["node"]["head"]["name"] for e in households)
    pasted = json_lines(out[2])[0]
    assert "errors" not in pasted, pasted
    assert pasted["data"]["node"]["regionName"] == "Kota Bandung"
    assert "installed tls certificate" in out[3]
    assert "node 32.73 serving the gateway with mutual TLS" not in out[4]  # in the background
    assert re.search(r"registered 32\.73 at https://127\.0\.0\.1:8200: ACTIVE", out[5])
    national = json_lines(out[6])[0]
    assert "errors" not in national, national
    assert national["data"]["nodes"] == [{"region": "32.73", "status": "ACTIVE"}]
    assert national["data"]["householdCounts"] == [{"kabkotaCode": "32.73",
                                                    "households": 2000}]
    assert "300" in out[7] and (tmp_path / "template.xlsx").is_file()
