"""The partner ministries' batch cross-check (issue 19): for each NIK, whether it is in DTKS,
a desil band and which social programs the person or the household receives; never a name,
an address or a birth date. Shared by the node, which answers for its own rows, and the
gateway, which splits a batch over the nodes and joins the answers.

**Registered** means: a living member of an ACTIVE household. The **desil band** is coarser
than the desil (which only the region's staff and Kemensos read): enough to see whether a
person lies in the poorest 40 % that most programs target, not where exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from schema.errors import InvalidInput, InvalidNik
from schema.identity_numbers import parse_nik

MAX_BATCH = 1_000


class DesilBand(StrEnum):
    DESIL_1_2 = "DESIL_1_2"
    DESIL_3_4 = "DESIL_3_4"
    DESIL_5_6 = "DESIL_5_6"
    DESIL_7_10 = "DESIL_7_10"


class MembershipLevel(StrEnum):
    PERSON = "PERSON"  # the person's own membership (e.g. PIP for a pupil)
    HOUSEHOLD = "HOUSEHOLD"  # the household's, which the person is a member of (e.g. PKH)


def band_of(desil: int | None) -> DesilBand | None:
    if desil is None:
        return None
    if desil <= 2:
        return DesilBand.DESIL_1_2
    if desil <= 4:
        return DesilBand.DESIL_3_4
    if desil <= 6:
        return DesilBand.DESIL_5_6
    return DesilBand.DESIL_7_10


def check_batch(niks: Sequence[str]) -> None:
    """At most :data:`MAX_BATCH` NIKs, each well formed: the first bad one is refused, named
    by its position (``niks[3]``), and nothing is asked."""
    if len(niks) > MAX_BATCH:
        raise InvalidInput(f"a cross-check takes at most {MAX_BATCH:,} NIKs, not {len(niks):,}",
                           reason="too_many", field="niks")
    for index, nik in enumerate(niks):
        try:
            parse_nik(nik)
        except InvalidNik as error:
            raise InvalidNik(f"niks[{index}]: {error.message}", reason=error.reason,
                             field=f"niks[{index}]") from None
