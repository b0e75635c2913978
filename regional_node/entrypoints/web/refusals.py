"""What the Operator Desa's pages say when the node refuses a proposal or a report action:
the field the node's ``INVALID_RECORD``/``INVALID_INPUT`` names (``extensions.field`` and
``reason``), and the codes of the update cycle the shared table (``schema.web.errors``) does
not know, each as a message that says what to fix; the rest goes to the shared table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from service_kit.web.pages import Outcome, messages, text

FIELD_CODES = ("INVALID_RECORD", "INVALID_INPUT")


def refusals(request: web.Request, outcome: Outcome) -> list[str]:
    """One message per refusal, in the page's language (the same one said once)."""
    found: list[str] = []
    for error in outcome.errors:
        message = _own(request, error.get("extensions") or {}) or \
            messages(request, Outcome(None, [error]))[0]
        if message not in found:
            found.append(message)
    return found


def _own(request: web.Request, extensions: Mapping[str, Any]) -> str | None:
    code = extensions.get("code")
    if code == "ALREADY_CORRECTED":
        return text(request, "This returned proposal already has a correction in progress. "
                             "Open that one from the returned proposal's page.")
    if code == "FORBIDDEN_TRANSITION":
        return text(request, "Your role may not take this step on this proposal. The table "
                             "of who does what is in the guide; ask that role.")
    if code == "FIELD_VERIFICATION_REQUIRED":
        return text(request, "The pendamping must record the field visit first.")
    if code == "DUPLICATE":
        return text(request, "This KK or NIK is already registered or proposed. Search the "
                             "households for it before proposing it again.")
    if code not in FIELD_CODES:
        return None
    return _field(request, str(extensions.get("field") or ""),
                  str(extensions.get("reason") or ""))


def _field(request: web.Request, field: str, reason: str) -> str | None:
    name = field.split(".")[-1].split("[")[0]
    if field == "musdes":
        return text(request, "A new household needs the Musdes/Muskel that agreed it: the "
                             "date, the minutes (berita acara) number and the minutes file.")
    if field.startswith("musdes"):
        return text(request, "Check the Musdes: its date cannot be in the future, and the "
                             "minutes number and file are needed.")
    if name in ("nik", "nikNumber"):
        return text(request, "A NIK must be 16 digits, as on the KTP, and appear only once. "
                             "Check it and send again.")
    if name in ("kk_number", "kkNumber"):
        return text(request, "A KK number must be 16 digits, as on the family card. Check "
                             "it and send again.")
    if name in ("birth_date", "birthDate", "sex") and reason == "nik_mismatch":
        return text(request, "The birth date or sex does not fit the NIK. Check them "
                             "against the KTP.")
    if name in ("birth_date", "death_date", "moved_on", "start_date", "end_date",
                "birthDate", "deathDate", "movedOn", "startDate", "endDate"):
        return text(request, "A date is in the future or before it could be. Check the "
                             "dates.")
    if name == "relationship":
        return text(request, "A household has exactly one head of family. Check the "
                             "relationships.")
    if name in ("member_id", "memberId", "programs"):
        return text(request, "Choose a member of this household (alive, and enrolled where "
                             "the program is left).")
    if name in ("household_id", "householdId"):
        return text(request, "This household cannot take this proposal now (it is no longer "
                             "registered, or not in your desa). Check the household.")
    if name in ("desa_code", "desaCode"):
        return text(request, "The desa is not your desa. You can propose only in your desa.")
    if name in ("floor_area_m2", "floorAreaM2"):
        return text(request, "The floor area is not plausible. Give it in square metres "
                             "(e.g. 36).")
    if name == "changes":
        return text(request, "Say what to correct: a new address, or a member and their "
                             "new data.")
    if reason in ("required", "too_long"):
        return text(request, "A required field is empty or too long. Check the fields and "
                             "send again.")
    return None
