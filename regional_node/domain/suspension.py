"""When aid is suspended (ditangguhkan): a membership pays only while the person it rests on is
padan with Dukcapil and alive.

The person is the member for person-level programs (PBI-JK, PIP) and the household head for
household programs (PKH, BPNT, ...): its living head, or, when every head died, a dead one
(so the membership reads DECEASED until a correction names the new head).

A suspension is never stored: it follows from the registry as it is, so it lifts by itself
the moment the anomaly is fixed (a new NIK check that returns MATCH, a corrected head).
Pure: no database.
"""

from __future__ import annotations

from enum import StrEnum

from schema.enums import MatchStatus


class SuspensionReason(StrEnum):
    DECEASED = "DECEASED"  # meninggal: in DTKS or at Dukcapil
    NIK_UNCHECKED = "NIK_UNCHECKED"  # not yet checked against Dukcapil
    NIK_MISMATCH = "NIK_MISMATCH"  # tidak padan
    NIK_NOT_FOUND = "NIK_NOT_FOUND"
    NIK_DUPLICATE = "NIK_DUPLICATE"  # data ganda
    NO_HEAD = "NO_HEAD"  # a household program in a household with no head


REASON_TEXT: dict[SuspensionReason, str] = {
    SuspensionReason.DECEASED: "meninggal dunia / deceased",
    SuspensionReason.NIK_UNCHECKED: "NIK belum dipadankan dengan Dukcapil / NIK not yet "
                                    "checked against Dukcapil",
    SuspensionReason.NIK_MISMATCH: "NIK tidak padan dengan Dukcapil / NIK does not match "
                                   "Dukcapil",
    SuspensionReason.NIK_NOT_FOUND: "NIK tidak ditemukan di Dukcapil / NIK not found at "
                                    "Dukcapil",
    SuspensionReason.NIK_DUPLICATE: "data ganda di Dukcapil / duplicate at Dukcapil",
    SuspensionReason.NO_HEAD: "tidak ada kepala keluarga / no household head",
}
"""What Dinas Sosial and Kemensos read next to a suspended membership."""


def suspension_reason(match_status: str | None, alive: bool | None) -> SuspensionReason | None:
    """Why aid resting on a person with this Dukcapil status is suspended, or None when it
    pays. ``match_status`` None: there is no such person (no head)."""
    if match_status is None or alive is None:
        return SuspensionReason.NO_HEAD
    if not alive or match_status == MatchStatus.DECEASED:
        return SuspensionReason.DECEASED
    if match_status == MatchStatus.MATCH:
        return None
    return SuspensionReason(f"NIK_{match_status}")
