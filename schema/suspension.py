"""Why aid is suspended (ditangguhkan): the reasons and the text Dinas Sosial and Kemensos
read, shared by the node (which decides, ``regional_node.domain.suspension``) and the gateway
(which passes them through and counts them)."""

from __future__ import annotations

from enum import StrEnum


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
    SuspensionReason.NIK_DUPLICATE: "data ganda: NIK terdaftar lebih dari sekali / duplicate: "
                                    "the NIK is registered more than once",
    SuspensionReason.NO_HEAD: "tidak ada kepala keluarga / no household head",
}
"""What Dinas Sosial and Kemensos read next to a suspended membership."""
