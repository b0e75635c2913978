"""Issue 17: errors are defined once, each in an errors module whose docstring draws its
hierarchy (as httpx's ``_exceptions.py`` does), and each code is raised by exactly one class.

Every subclass of ``schema.errors.SiksError`` in the project (found by importing every module)
must be defined in a module named ``errors`` or ``…_errors``, be drawn in that module's tree
under its real base class, with its own ``code`` on its line; no two error classes share a name
or declare the same code. The source is also read as text, so a ``code = "…"`` written twice
anywhere (also outside a ``SiksError``) is caught."""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from collections import defaultdict
from pathlib import Path

import pytest

import certs.envelope_errors
import gateway.errors
import regional_node.errors
import service_kit.errors
from schema.errors import SiksError

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("schema", "service_kit", "certs", "regional_node", "gateway", "siks",
            "sandbox_registry")
ENTRY = re.compile(r"[├└]── (\w+)(.*)$")
CODE_ATTRIBUTE = re.compile(r'^\s+code = "([A-Z][A-Z_]+)"', re.MULTILINE)


def _import_everything() -> None:
    for package in PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            if ".migrations" not in info.name and not info.name.endswith("__main__"):
                importlib.import_module(info.name)


def _error_classes() -> list[type[SiksError]]:
    _import_everything()
    found: dict[type[SiksError], None] = {}  # in order, once (a class may have two bases)
    pending = [SiksError]
    while pending:
        cls = pending.pop()
        found[cls] = None
        pending.extend(cls.__subclasses__())
    return [cls for cls in found if cls.__module__.split(".")[0] in PACKAGES]


def tree(docstring: str) -> dict[str, tuple[str | None, str]]:
    """The drawn tree of a docstring: name → (drawn parent, the rest of its line)."""
    lines = docstring.split("::\n", 1)[1].strip("\n").splitlines()
    drawn: dict[str, tuple[str | None, str]] = {}
    stack: list[tuple[int, str]] = []  # (column of the name, name)
    for number, line in enumerate(lines):
        if number == 0:
            name, rest = line.split(maxsplit=1) if " " in line.strip() else (line.strip(), "")
            column = line.index(name)
        elif match := ENTRY.search(line):
            name, rest = match.groups()
            column = match.start(1)
        elif line.strip() and not line.strip(" │"):
            continue
        else:
            if not line.strip() or not line.startswith(" "):
                break
            continue
        while stack and stack[-1][0] >= column:
            stack.pop()
        drawn[name] = (stack[-1][1] if stack else None, rest)
        stack.append((column, name))
    return drawn


ERRORS = _error_classes()


def test_the_tree_reader_reads_a_drawn_tree() -> None:
    drawn = tree(service_kit.errors.__doc__ or "")
    assert drawn["SiksError"][0] is None
    assert drawn["InvalidCursor"][0] == "InvalidInput"
    assert drawn["NotFound"][0] == "SiksError"
    assert drawn["Duplicate"][0] == "Conflict"
    assert "DUPLICATE" in drawn["Duplicate"][1]
    # continuation lines (the certificate codes a refusal relays) are not entries
    assert "CERT_UNTRUSTED" not in tree(certs.envelope_errors.__doc__ or "")
    assert len(ERRORS) > 60


@pytest.mark.parametrize("cls", ERRORS, ids=lambda cls: cls.__name__)
def test_every_error_class_is_drawn_where_it_is_defined(cls: type[SiksError]) -> None:
    module = sys.modules[cls.__module__]
    assert module.__name__.rsplit(".", 1)[-1].endswith("errors"), (
        f"define {cls.__name__} in an errors module (and draw it there), "
        f"not in {module.__name__}")
    drawn = tree(module.__doc__ or "")
    assert cls.__name__ in drawn, f"draw {cls.__name__} in the tree of {module.__name__}"
    parent, line = drawn[cls.__name__]
    if cls is not SiksError:
        assert parent in {base.__name__ for base in cls.__bases__}, (
            f"{module.__name__} draws {cls.__name__} under {parent}")
    if "code" in vars(cls):
        assert cls.code in line, f"{module.__name__} draws {cls.__name__} without {cls.code}"


def test_what_a_service_draws_from_the_kit_is_drawn_as_the_kit_draws_it() -> None:
    kit = tree(service_kit.errors.__doc__ or "")
    for module in (regional_node.errors, gateway.errors):
        drawn = tree(module.__doc__ or "")
        for name in set(kit) & set(drawn):
            assert drawn[name][0] == kit[name][0], (module.__name__, name)


def test_error_class_names_are_not_reused() -> None:
    by_name: dict[str, list[str]] = defaultdict(list)
    for cls in ERRORS:
        by_name[cls.__name__].append(cls.__module__)
    assert {name: where for name, where in by_name.items() if len(where) > 1} == {}


def test_each_code_is_raised_by_one_class() -> None:
    by_code: dict[str, list[str]] = defaultdict(list)
    for cls in ERRORS:
        if "code" in vars(cls):
            by_code[cls.code].append(f"{cls.__module__}.{cls.__name__}")
    assert {code: classes for code, classes in by_code.items() if len(classes) > 1} == {}


def test_each_code_is_written_once_in_the_source() -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                for code in CODE_ATTRIBUTE.findall(path.read_text("utf-8")):
                    where[code].append(str(path.relative_to(ROOT)))
    assert {code: files for code, files in where.items() if len(files) > 1} == {}


def test_the_shared_errors_are_the_same_classes_in_both_services() -> None:
    for name in service_kit.errors.__all__:
        shared = getattr(service_kit.errors, name)
        assert getattr(regional_node.errors, name) is shared
        assert getattr(gateway.errors, name) is shared
