"""docs/benchmarks.md: the benchmarks are run by hand, but every `python bench/….py` and
`python -m bench.…` command it prints names a real module whose argument parser takes the
arguments as printed, and every flag its comments mention exists."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import re
import shlex
from unittest import mock

from tests.docs.runner import blocks, commands, doc

COMMAND = re.compile(r"python (?:-m bench\.(\w+)|bench/(\w+)\.py)([^#]*)(?:#(.*))?$")


class _Parser(Exception):
    def __init__(self, parser: argparse.ArgumentParser) -> None:
        super().__init__("parser captured")
        self.parser = parser


def _stop(parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
    raise _Parser(parser)


def parser_of(module_name: str) -> argparse.ArgumentParser:
    """The parser the module's main() builds, taken when main() asks it to parse."""
    module = importlib.import_module(f"bench.{module_name}")
    with mock.patch.object(argparse.ArgumentParser, "parse_args", _stop):
        try:
            result = module.main([]) if inspect.signature(module.main).parameters \
                else module.main()
            if inspect.iscoroutine(result):
                asyncio.run(result)
        except _Parser as captured:
            return captured.parser
    raise AssertionError(f"bench.{module_name}.main() parsed no arguments")


def printed_commands() -> list[tuple[str, list[str], list[str]]]:
    """(module, arguments, flags named in the comment) of every bench command printed."""
    found = []
    for language, code, _ in blocks(doc("benchmarks.md")):
        if language != "bash":
            continue
        lines = commands(code)
        for number, line in enumerate(lines):
            match = COMMAND.search(line)
            if match is None:
                continue
            comment = " ".join([match.group(4) or ""] + [
                following.strip() for following in lines[number + 1:]
                if following.strip().startswith("#")])
            found.append((match.group(1) or match.group(2),
                          shlex.split(match.group(3).split("&&")[0]),
                          re.findall(r"--[a-z][a-z-]*", comment)))
    return found


def test_every_bench_command_in_benchmarks_md_parses():
    printed = printed_commands()
    assert {module for module, _, _ in printed} == {"nik_matching", "ingest", "federation",
                                                    "federation_dipa", "federation_deciles", "sync",
                                                    "read_audit", "federation_cross_check",
                                                    "gateway_cpu", "gateway_completion"}
    for module, arguments, flags in printed:
        parser = parser_of(module)
        options = {option for action in parser._actions for option in action.option_strings}
        assert set(flags) <= options, (module, set(flags) - options)
        parser.parse_args(arguments)  # exits (SystemExit) on an unknown flag or a bad value
