"""Issue 17: the contract's enums are registered with strawberry once
(``service_kit.graphql_enums``), not by each service's types at import time; each service's
SDL is the same whether it is built alone or after the other's."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from service_kit.graphql_enums import REGISTERED

ROOT = Path(__file__).resolve().parents[1]
REGISTRATION = re.compile(r"strawberry\.enum\(\s*(\w+)")


def test_no_service_registers_an_enum_of_the_contract() -> None:
    contract = {enum.__name__ for enum in REGISTERED}
    found = {f"{path.relative_to(ROOT)}: {name}"
             for package in ("regional_node", "gateway")
             for path in (ROOT / package).rglob("*.py")
             for name in REGISTRATION.findall(path.read_text("utf-8"))
             if name in contract or name == "_enum"}
    assert found == set()


def test_every_enum_is_registered() -> None:
    assert all(hasattr(enum, "__strawberry_definition__") for enum in REGISTERED)


@pytest.mark.parametrize(("first", "service"), [
    ("", "regional_node"), ("", "gateway"),
    ("import gateway.entrypoints.graphql.schema", "regional_node"),
    ("import regional_node.entrypoints.graphql.schema", "gateway")])
def test_each_sdl_is_the_same_built_alone_or_after_the_other(first: str, service: str) -> None:
    script = f"{first}\nimport {service}.entrypoints.graphql.schema as s\nprint(s.sdl(), end='')"
    built = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                           text=True, check=True, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert built.stdout == (ROOT / service / "schema.graphql").read_text("utf-8")
