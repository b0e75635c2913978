"""Every msgid the web pages use: ``_("…")`` in the templates, ``text(request, "…")`` in the
page handlers, the region labels and the GraphQL error messages."""

from __future__ import annotations

import ast
from pathlib import Path

from jinja2.ext import extract_from_ast

from schema.web import environment, template_names, template_source
from schema.web.errors import ERROR_MESSAGES, FIELD_MESSAGES, UNKNOWN_ERROR

ROOT = Path(__file__).resolve().parents[2]
HANDLER_DIRS = (ROOT / "gateway" / "entrypoints" / "web", ROOT / "siks" / "infra" / "web",
                ROOT / "regional_node" / "entrypoints" / "web")


def template_msgids() -> list[str]:
    found = []
    for name in template_names():
        tree = environment().parse(template_source(name))
        for _, _, strings in extract_from_ast(tree, gettext_functions=("_",)):
            msgid = strings[0] if isinstance(strings, tuple) else strings  # (msgid, kwargs…)
            if isinstance(msgid, str):
                found.append(msgid)
    return found


def handler_msgids() -> list[str]:
    found = []
    for folder in HANDLER_DIRS:
        for path in sorted(folder.glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id == "text" and len(node.args) >= 2
                        and isinstance(node.args[1], ast.Constant)):
                    found.append(node.args[1].value)
    return found


def all_msgids() -> list[str]:
    from gateway.entrypoints.web.regions import LABELS

    every = [*template_msgids(), *handler_msgids(), *LABELS.values(),
             *ERROR_MESSAGES.values(), *FIELD_MESSAGES.values(), UNKNOWN_ERROR]
    return list(dict.fromkeys(every))
