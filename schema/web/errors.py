"""What a page tells a person when the GraphQL API refuses (``extensions.code``): a message
that says what to do, English here (the msgid), Indonesian in the ``web`` catalogue."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from schema.i18n import Translator

ERROR_MESSAGES: dict[str, str] = {
    "UNAUTHENTICATED": "Your session has ended. Log in again.",
    "FORBIDDEN": "Your account may not do this. Ask your administrator for the right role.",
    "FORBIDDEN_FIELD": "Your account may not see some of this data. Ask your administrator "
                       "if you need it.",
    "OUT_OF_SCOPE": "This record is outside your account's area (your desa or kab/kota). Go "
                    "back and choose one in your area.",
    "OUT_OF_REGION": "This region is outside your account's area. Choose a region in your area.",
    "INVALID_RECORD": "Some of what you entered is not valid. Check the fields and send again.",
    "INVALID_INPUT": "Some of what you entered is not valid. Check the fields and send again.",
    "INVALID_REGION": "The region is not valid. Choose the province, kab/kota, kecamatan and "
                      "desa again from the lists.",
    "INVALID_NIK": "A NIK must be 16 digits, as on the KTP. Check it and send again.",
    "INVALID_KK": "A KK number must be 16 digits, as on the family card. Check it and send "
                  "again.",
    "NOT_FOUND": "Nothing was found. Check what you entered (a receipt number is written "
                 "like 32.73:…).",
    "DUPLICATE": "This was already sent. You do not need to send it again.",
    "RATE_LIMITED": "Too many requests from this connection. Wait a minute and try again.",
    "NODE_UNAVAILABLE": "The kab/kota's server cannot be reached now. Try again later.",
    "NODE_TIMEOUT": "The kab/kota's server did not answer in time. Try again later.",
    "NODE_ERROR": "The kab/kota's server could not answer. Try again later.",
    "CIRCUIT_OPEN": "The kab/kota's server is unreachable for a while. Try again later.",
    "NODE_NOT_REGISTERED": "This kab/kota is not connected yet, so it cannot be checked here. "
                           "Ask the Dinas Sosial of the kab/kota.",
    "QUERY_TOO_COMPLEX": "The request is too large. Send fewer items at once.",
    "CONFLICT": "Someone changed this at the same time. Reload the page and try again.",
    "WRONG_STATE": "This cannot be done in its current state. Reload the page to see it.",
    "INTERNAL": "Something went wrong on the server. Try again later; if it repeats, tell "
                "your administrator.",
}
# a refusal of one field says which: (field named by extensions.field) -> message
FIELD_MESSAGES: dict[str, str] = {
    "nik": ERROR_MESSAGES["INVALID_NIK"],
    "kkNumber": ERROR_MESSAGES["INVALID_KK"],
    "content": "The photo is not a JPEG or PNG file. Take or choose the photo again.",
    "photoBase64": "The photo is not a JPEG or PNG file. Take or choose the photo again.",
    "latitude": "The position is outside Indonesia or not valid. Check latitude and longitude.",
    "longitude": "The position is outside Indonesia or not valid. Check latitude and longitude.",
    "receiptId": "A receipt number is written like 32.73:…. Copy it again from your receipt.",
}
UNKNOWN_ERROR = ("Something went wrong on the server. Try again later; if it repeats, tell "
                 "your administrator.")


def error_message(code: str | None, translate: Translator, field: str | None = None) -> str:
    """The message for one error code (or the field it refused), in the translator's
    language."""
    if code in ("INVALID_INPUT", "INVALID_RECORD", "INVALID_NIK", "INVALID_KK") and \
            field in FIELD_MESSAGES:
        return translate(FIELD_MESSAGES[field])
    return translate(ERROR_MESSAGES.get(code or "", UNKNOWN_ERROR))


def error_messages(errors: Iterable[Mapping[str, Any]], translate: Translator) -> list[str]:
    """One message per distinct code, in order (the same refusal twice is said once)."""
    messages: list[str] = []
    for error in errors:
        extensions = error.get("extensions") or {}
        message = error_message(extensions.get("code"), translate, extensions.get("field"))
        if message not in messages:
            messages.append(message)
    return messages
