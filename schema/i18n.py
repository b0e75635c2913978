"""Message catalogues: every text a user reads, Indonesian by default, English available.

Messages are written in the code in English (the gettext msgid) and translated in
`schema/locale/<lang>/LC_MESSAGES/<domain>.po`, read with Babel when first used; a
message missing from a catalogue falls back to its English msgid, so a missing
translation is visible rather than an error. Placeholders are `{name}` (str.format),
filled after translation so a translator can move them.

Domains: one catalogue per audience (e.g. `import` for the importer's row messages,
`web` for the web app's pages); each service uses the same `Translator`.

A text rendered later, in a reader's language not known yet (an import's row errors, a
warning stored with a household), is a `Message`: its domain, msgid and values, made with
`message_factory(domain)` and rendered with `Message.text(language)`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from babel.messages.pofile import read_po

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"


class UnknownLanguage(ValueError):
    """A language outside LANGUAGES was asked for."""


def language_of(value: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The supported language a setting, a user's choice or an Accept-Language header names.

    None or empty gives the default; a header's first supported tag wins (`en-US,en;q=0.8`
    gives `en`); a value naming no supported language is refused.
    """
    if not value:
        return default
    for part in value.split(","):
        tag = part.split(";")[0].strip().lower().replace("_", "-").split("-")[0]
        if tag in LANGUAGES:
            return tag
    raise UnknownLanguage(f"language {value!r} is not one of {', '.join(LANGUAGES)}")


def preferred_language(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The language to answer an HTTP request in: the Accept-Language header's first supported
    tag, else ``default`` (a header naming no supported language is not an error: HTTP lets
    the server answer in what it has)."""
    try:
        return language_of(accept_language, default)
    except UnknownLanguage:
        return default


@functools.cache
def _catalogue(domain: str, language: str) -> dict[str, str]:
    path = resources.files("schema").joinpath("locale", language, "LC_MESSAGES",
                                              f"{domain}.po")
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=domain)
    return {str(message.id): str(message.string) for message in catalog
            if message.id and message.string and not message.fuzzy}


@dataclass(frozen=True)
class Translator:
    """Translates one domain's messages into one language."""

    domain: str
    language: str = DEFAULT_LANGUAGE

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise UnknownLanguage(f"language {self.language!r} is not one of "
                                  f"{', '.join(LANGUAGES)}")

    def gettext(self, msgid: str, **params: object) -> str:
        text = _catalogue(self.domain, self.language).get(msgid, msgid)
        return text.format(**params) if params else text

    __call__ = gettext


def missing_translations(domain: str, msgids: list[str], language: str) -> list[str]:
    """The msgids a language's catalogue does not translate (for the catalogue tests)."""
    known = _catalogue(domain, language)
    return [msgid for msgid in msgids if msgid not in known]


Param = str | int | float


@dataclass(frozen=True, slots=True)
class Message:
    """A message kept untranslated until someone reads it: its domain, its English msgid and
    its placeholders' values (text or numbers, so that it pickles and stores as JSON).

    ``text(language)`` renders it for a reader; ``str()`` gives Indonesian then English
    (``"… / …"``) for a place that has no reader's language (a log, an API error of old).
    """

    domain: str
    msgid: str
    params: tuple[tuple[str, Param], ...] = ()

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        return Translator(self.domain, language).gettext(self.msgid, **dict(self.params))

    def with_params(self, **params: Param) -> Message:
        """The same message with some placeholders' values replaced."""
        return Message(self.domain, self.msgid, tuple({**dict(self.params), **params}.items()))

    def stored(self) -> dict[str, object]:
        """What a database keeps: the msgid and the values (``Message.from_stored``)."""
        return {"domain": self.domain, "msgid": self.msgid, "params": dict(self.params)}

    @classmethod
    def from_stored(cls, data: dict[str, object]) -> Message:
        params = data.get("params")
        return cls(str(data["domain"]), str(data["msgid"]), tuple(
            (str(k), v) for k, v in (params.items() if isinstance(params, dict) else ())
            if isinstance(v, str | int | float)))

    def __str__(self) -> str:
        indonesian, english = self.text("id"), self.text("en")
        return english if indonesian == english else f"{indonesian} / {english}"


def message_factory(domain: str) -> Callable[..., Message]:
    """``msg = message_factory("import")``; then ``msg("KK {kk} is …", kk=kk)``. Write the
    msgid as a literal (the catalogue test extracts every ``msg("…")`` with Babel)."""

    def msg(msgid: str, /, **params: Param) -> Message:
        return Message(domain, msgid, tuple(params.items()))

    return msg
