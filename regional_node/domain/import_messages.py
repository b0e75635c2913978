"""The importer's messages: written in English in the code, ``msg("…", name=value)``, and
translated in ``schema/locale/id/LC_MESSAGES/import.po``; the reader's language is chosen when
a report is written or read (docs/import.md, "Messages"). A message names what the operator
typed, as typed (``L``, not ``MALE``), and never shows a guess as fact."""

from __future__ import annotations

from schema.i18n import Message, message_factory

DOMAIN = "import"
msg = message_factory(DOMAIN)

__all__ = ["DOMAIN", "Message", "msg"]
