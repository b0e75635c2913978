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


def test_a_message_is_rendered_when_read_in_either_language() -> None:
    import pickle

    from schema.i18n import Message, message_factory

    msg = message_factory("import")
    future = msg("birth date {typed} is in the future", typed="25-06-2027")
    assert future.text() == "tanggal lahir 25-06-2027 belum terjadi"
    assert future.text("en") == "birth date 25-06-2027 is in the future"
    assert str(future) == ("tanggal lahir 25-06-2027 belum terjadi / birth date 25-06-2027 is "
                           "in the future")  # where no reader's language is known
    assert str(msg("no such message")) == "no such message"  # not translated: once
    assert future.with_params(typed="2027-06-25").text("en") == (
        "birth date 2027-06-25 is in the future")
    assert pickle.loads(pickle.dumps(future)) == future  # from an import's reading process
    assert Message.from_stored(future.stored()) == future  # kept in the database as JSON
    with pytest.raises(UnknownLanguage):
        future.text("fr")


@pytest.mark.parametrize(("header", "default", "expected"), [
    (None, "id", "id"), ("en-GB,en;q=0.9", "id", "en"), ("fr-FR", "id", "id"),
    ("fr-FR", "en", "en"), ("*", "id", "id"), ("id", "en", "id"),
])
def test_the_language_of_an_http_request(header: str | None, default: str,
                                         expected: str) -> None:
    from schema.i18n import preferred_language

    assert preferred_language(header, default) == expected
