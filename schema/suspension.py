"""Why aid is suspended (ditangguhkan): the reasons and the text Dinas Sosial and Kemensos
read, shared by the node (which decides, ``regional_node.domain.suspension``) and the gateway
(which passes them through and counts them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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


class SuspensionLevel(StrEnum):
    """The region a suspension count is grouped by."""

    NATIONAL = "NATIONAL"
    PROVINCE = "PROVINCE"
    KABKOTA = "KABKOTA"
    KECAMATAN = "KECAMATAN"
    DESA = "DESA"


#: how many leading characters of a desa code (``32.73.01.1001``) name the region of a level
CODE_LENGTH: dict[SuspensionLevel, int] = {
    SuspensionLevel.NATIONAL: 0, SuspensionLevel.PROVINCE: len("32"),
    SuspensionLevel.KABKOTA: len("32.73"), SuspensionLevel.KECAMATAN: len("32.73.01"),
    SuspensionLevel.DESA: len("32.73.01.1001")}


@dataclass(frozen=True, slots=True)
class SuspensionCell:
    """Active memberships of one region × program × reason (``reason`` None: they pay)."""

    region: str | None  # None at the NATIONAL level
    program: str
    reason: str | None
    memberships: int


@dataclass(frozen=True, slots=True)
class SuspensionTotals:
    """One region × program: active memberships, and the suspended ones by reason."""

    region: str | None
    program: str
    active: int
    by_reason: tuple[tuple[SuspensionReason, int], ...]

    @property
    def suspended(self) -> int:
        return sum(count for _, count in self.by_reason)

    def cells(self) -> list[SuspensionCell]:
        """Back into cells (to sum totals of several nodes with :func:`summarise`)."""
        paying = SuspensionCell(self.region, self.program, None, self.active - self.suspended)
        return [paying, *(SuspensionCell(self.region, self.program, reason.value, count)
                          for reason, count in self.by_reason)]


def summarise(cells: Iterable[SuspensionCell]) -> list[SuspensionTotals]:
    """Cells summed per region × program, ordered by region then program; reasons in the
    order of :class:`SuspensionReason`, those with no membership left out."""
    active: dict[tuple[str | None, str], int] = {}
    suspended: dict[tuple[str | None, str], dict[SuspensionReason, int]] = {}
    for cell in cells:
        key = (cell.region, cell.program)
        active[key] = active.get(key, 0) + cell.memberships
        reasons = suspended.setdefault(key, {})
        if cell.reason is not None:
            reason = SuspensionReason(cell.reason)
            reasons[reason] = reasons.get(reason, 0) + cell.memberships
    return [SuspensionTotals(region, program, active[(region, program)], tuple(
                (reason, suspended[(region, program)][reason]) for reason in SuspensionReason
                if suspended[(region, program)].get(reason)))
            for region, program in sorted(active, key=lambda k: (k[0] or "", k[1]))]
