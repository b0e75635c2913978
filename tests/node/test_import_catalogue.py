"""The ``import`` catalogue: every message the node's code writes with ``msg("…")`` is found
by Babel's extractor and translated in schema/locale/id/LC_MESSAGES/import.po; a new message
without its Indonesian fails here."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_python

import regional_node
from schema.i18n import Translator, missing_translations

CODE = Path(regional_node.__file__).parent


def used_msgids(root: Path = CODE) -> dict[str, str]:
    """``{msgid: where}`` of every ``msg("…")`` call under ``root``; a call whose first argument
    is not a literal (an f-string, a variable) cannot be translated and is refused."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        with path.open("rb") as handle:
            for line, _, message, _ in extract_python(handle, ["msg"], [], {}):
                msgid = message[0] if isinstance(message, tuple) else message
                where = f"{path.relative_to(root.parent)}:{line}"
                assert msgid, f"{where}: msg() needs a literal msgid (no f-string)"
                found.setdefault(msgid, where)
    return found


def test_the_code_uses_messages_of_the_catalogue() -> None:
    used = used_msgids()
    assert len(used) >= 50  # the importer's errors and warnings, the Dukcapil warnings
    assert "birth date {typed} is in the future" in used


def test_every_message_the_code_uses_is_translated_into_indonesian() -> None:
    used = used_msgids()
    missing = missing_translations("import", sorted(used), "id")
    assert missing == [], "\n".join(f"{used[m]}: {m!r}" for m in missing)


def test_a_new_untranslated_message_is_caught(tmp_path: Path) -> None:
    package = tmp_path / "regional_node"
    package.mkdir()
    (package / "new_rule.py").write_text(
        'from regional_node.domain.import_messages import msg\n\n'
        'def problem(typed):\n'
        '    return msg("{typed} is not a colour", typed=typed)\n', encoding="utf-8")
    used = used_msgids(package)
    assert missing_translations("import", sorted(used), "id") == ["{typed} is not a colour"]
    (package / "new_rule.py").write_text(
        'def problem(typed):\n    return msg(f"{typed} is not a colour")\n', encoding="utf-8")
    with pytest.raises(AssertionError, match="needs a literal msgid"):
        used_msgids(package)


def test_each_translation_keeps_the_msgids_placeholders() -> None:
    import string

    def names(text: str) -> set[str]:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field}

    indonesian = Translator("import", "id")
    for msgid in used_msgids():
        assert names(indonesian(msgid)) == names(msgid), msgid
