"""The guides in Indonesian (docs/id/panduan-*.md), used in Bimtek sessions: every picture
they show exists and is made by a browser test, every text they quote from the screen (in
“…”) is one the pages show (the ``web`` catalogue's Indonesian), the commands their prose
names exist, and the README and docs/web.md link them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs import test_inline_commands as inline
from tests.docs.runner import DOCS, doc

ROOT = Path(__file__).resolve().parents[2]
GUIDES = ("panduan-operator", "panduan-pendamping", "panduan-dinsos", "panduan-kemensos")
CATALOGUE = ROOT / "schema" / "locale" / "id" / "LC_MESSAGES" / "web.po"


def _guide(name: str) -> str:
    return doc(f"id/{name}.md")


def _screen_texts() -> list[str]:
    """Every Indonesian text of the pages (msgstr), and the labels a page shows as they are
    (product and program names)."""
    source = CATALOGUE.read_text(encoding="utf-8")
    texts = []
    for entry in re.findall(r'^msgstr ((?:".*"\n?)+)', source, flags=re.MULTILINE):
        texts.append("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', entry)).replace('\\"', '"'))
    return [t for t in texts if t] + ["English", "Bahasa Indonesia"]


def _matches(quoted: str, screen: list[str]) -> bool:
    """``quoted`` is (part of) a page's text; "…" stands for what the page fills in (a
    number, a name) or for the rest of a long message."""
    pattern = re.compile(".*".join(re.escape(part) for part in quoted.split("…")))
    return any(pattern.search(text) for text in screen)


@pytest.mark.parametrize("name", GUIDES)
def test_every_picture_exists_and_a_browser_test_makes_it(name: str) -> None:
    shown = re.findall(r"\]\(\.\./img/web/([a-z0-9-]+)\.png\)", _guide(name))
    assert shown, name
    made = "".join(path.read_text(encoding="utf-8") for path in sorted(
        (ROOT / "tests").glob("*/test_web*browser*.py")))
    for picture in shown:
        assert (DOCS / "img" / "web" / f"{picture}.png").is_file(), picture
        assert f'"{picture}")' in made, f"{picture}: no browser test saves it"


@pytest.mark.parametrize("name", GUIDES)
def test_what_they_quote_from_the_screen_is_what_the_pages_say(name: str) -> None:
    screen = _screen_texts()
    quoted = [" ".join(q.split()) for q in re.findall(r"“([^”]+)”", _guide(name))]
    assert quoted, name
    missing = [q for q in quoted if not _matches(q, screen)]
    assert missing == [], f"{name}: not on any page: {missing}"


@pytest.mark.parametrize("name", GUIDES)
def test_they_print_no_command_block_and_the_commands_they_name_are_checked(name: str
                                                                           ) -> None:
    assert "```" not in _guide(name)  # a guide for people who are not developers
    if inline.inline_commands(f"id/{name}"):
        assert f"id/{name}" in inline.DOCS  # each `siks …` it names exists, with its options


@pytest.mark.parametrize("name", GUIDES)
def test_the_links_between_them_resolve(name: str) -> None:
    for target in re.findall(r"\]\(([a-z0-9./-]+\.md)(?:#[a-z0-9-]+)?\)", _guide(name)):
        assert (DOCS / "id" / target).resolve().is_file(), target


def test_the_readme_and_the_web_page_link_the_guides() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/id/panduan-operator.md)" in readme
    web = doc("web.md")
    for name in GUIDES:
        assert f"(id/{name}.md)" in web, name
