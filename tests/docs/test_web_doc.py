"""docs/web.md: the GraphQL operation it prints is the one the cekbansos page runs (which the
page tests run through a real gateway), the commands its prose names exist, and its messages
are the catalogue's."""

from __future__ import annotations

from gateway.entrypoints.web.public import SEARCH
from schema.i18n import Translator
from schema.web.errors import ERROR_MESSAGES
from tests.docs import test_inline_commands as inline
from tests.docs.runner import blocks, doc


def test_the_printed_operation_is_the_one_the_cekbansos_page_runs() -> None:
    [(language, code, _)] = blocks(doc("web.md"))
    assert language == "graphql" and code.strip() == SEARCH.strip()


def test_the_commands_named_in_its_prose_exist() -> None:
    assert inline.inline_commands("web") == ["siks demo", "siks gateway user add",
                                           "siks node user add"]
    inline.test_commands_named_in_prose_exist("web")


def test_the_messages_it_quotes_are_the_catalogues() -> None:
    page = " ".join(doc("web.md").split())
    indonesian = Translator("web", "id")
    for code in ("RATE_LIMITED", "INVALID_NIK"):
        assert indonesian(ERROR_MESSAGES[code]) in page
    assert indonesian("The form has expired or did not come from this site. Go back, reload "
                      "the page and send it again.").split(".")[0] in page


def test_its_screenshots_exist_and_are_made_by_the_browser_tests() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    shown = re.findall(r"\(img/web/([a-z-]+)\.png\)", doc("web.md"))
    assert len(shown) >= 6
    made = "".join(path.read_text() for path in sorted((root / "tests").glob(
        "*/test_web*browser*.py")))
    for name in shown:
        assert (root / "docs" / "img" / "web" / f"{name}.png").is_file()
        assert f'screenshot(page, "{name}")' in made
