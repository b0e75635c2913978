"""The house's dependency rules, read from the source (every import statement, also those
inside functions): the contract stands alone, the two services never import each other nor
the command line, and no two packages import each other (directly or round a cycle)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("schema", "service_kit", "certs", "regional_node", "gateway", "sandbox_registry",
            "siks")


def _imported_modules(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {package: set() for package in PACKAGES}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for module in _imported_modules(tree):
                top = module.split(".")[0]
                if top in PACKAGES and top != package:
                    graph[package].add(top)
    return graph


GRAPH = _edges()


def test_the_contract_imports_no_other_package_of_the_project() -> None:
    assert GRAPH["schema"] == set()


@pytest.mark.parametrize("service", ["regional_node", "gateway"])
def test_a_service_never_imports_the_other_nor_the_command_line(service: str) -> None:
    other = {"regional_node": "gateway", "gateway": "regional_node"}[service]
    assert not GRAPH[service] & {other, "siks"}


def test_the_service_kit_serves_both_services_and_imports_neither_nor_the_cli() -> None:
    assert GRAPH["service_kit"] <= {"schema", "certs"}
    assert "service_kit" in GRAPH["regional_node"] and "service_kit" in GRAPH["gateway"]


def test_no_cycle_between_packages() -> None:
    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for nxt in GRAPH[start] - seen:
            if nxt == target or reaches(nxt, target, seen | {nxt}):
                return True
        return False

    cycles = [package for package in PACKAGES if reaches(package, package, set())]
    assert cycles == []


def test_the_graph_is_read_from_real_imports() -> None:
    # the rules above must not pass on an empty graph
    assert {"schema", "certs", "service_kit"} <= GRAPH["gateway"]
    assert "regional_node" in GRAPH["siks"] and "gateway" in GRAPH["siks"]
