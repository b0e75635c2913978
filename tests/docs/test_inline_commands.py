"""The `siks …` commands the docs name in their prose (not in blocks, which their own tests run):
each names real subcommands, and each `--flag` it shows is an option of the deepest one."""

from __future__ import annotations

import argparse
import re

import pytest

from siks.cli import build_parser
from tests.docs.runner import doc

DOCS = ("update-cycle", "community-reports", "field-verification", "node-api", "offline",
        "dukcapil", "gateway", "import", "seed", "pki", "sync", "graphiql", "security",
        "suspension", "pmt", "deciles", "duplicates", "partners", "architecture",
        "id/panduan-dinsos", "id/panduan-kemensos")


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return next((dict(action.choices) for action in parser._actions
                 if isinstance(action, argparse._SubParsersAction)), {})


def inline_commands(name: str) -> list[str]:
    prose = re.sub(r"```.*?```", "", doc(f"{name}.md"), flags=re.DOTALL).replace("\n", " ")
    return [span for span in re.findall(r"`(siks [^`]+)`", prose)
            if not span.startswith(("siks: ", "siks certs: "))]  # messages, not commands


@pytest.mark.parametrize("name", DOCS)
def test_commands_named_in_prose_exist(name):
    for command in inline_commands(name):
        parser, words = build_parser(), command.split()[1:]
        walked = 0
        while walked < len(words) and words[walked] in _subcommands(parser):
            parser = _subcommands(parser)[words[walked]]
            walked += 1
        assert walked, f"{name}.md: `{command}` names no siks command"
        options = {o for action in parser._actions for o in action.option_strings}
        shown = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", command))
        assert shown <= options, f"{name}.md: `{command}`: {sorted(shown - options)}"
