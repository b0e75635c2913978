"""Message catalogues: Indonesian by default, English available, a missing translation
falls back to the English text, an unsupported language is refused."""

import pytest

from schema.i18n import (
    DEFAULT_LANGUAGE,
    Translator,
    UnknownLanguage,
    language_of,
    missing_translations,
)


def test_indonesian_is_the_default() -> None:
    assert DEFAULT_LANGUAGE == "id"
    assert Translator("import")("birth date {typed} is in the future",
                                typed="25-06-2027") == "tanggal lahir 25-06-2027 belum terjadi"


def test_english_is_the_msgid() -> None:
    english = Translator("import", "en")
    assert english("birth date {typed} is in the future",
                   typed="25-06-2027") == "birth date 25-06-2027 is in the future"


def test_a_message_missing_from_the_catalogue_falls_back_to_english() -> None:
    assert Translator("import", "id")("no such message {n}", n=3) == "no such message 3"
    assert missing_translations("import", ["no such message {n}"], "id") == [
        "no such message {n}"]
    assert Translator("no-such-domain", "id")("text") == "text"


@pytest.mark.parametrize(("given", "expected"), [
    (None, "id"), ("", "id"), ("en", "en"), ("EN", "en"), ("id-ID", "id"),
    ("en-US,en;q=0.8", "en"), ("fr-FR, en;q=0.5", "en"), ("in_ID", None),
])
def test_language_of_a_setting_or_header(given: str | None, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(UnknownLanguage, match="not one of id, en"):
            language_of(given)
    else:
        assert language_of(given) == expected


def test_an_unsupported_language_is_refused() -> None:
    with pytest.raises(UnknownLanguage):
        Translator("import", "fr")
