"""A constructed data set whose targeting errors are known (tests/gateway/test_targeting.py,
tests/node/test_targeting.py, docs/targeting.md). Eligibility as shipped: PKH and BPNT up to
desil 4, PBI-JK up to desil 5.

Period 2026-S1, per desa (households: desil → programs):

* 32.73.01.1001 Sukarasa: 10 × desil 1 PKH+BPNT; 5 × desil 2 none (excluded); 3 × desil 7 PKH
  (inclusion errors); 2 × no desil BPNT.
* 32.73.02.1001 Cipaganti: 4 × desil 3 PBI-JK; 6 × desil 5 PBI-JK; 2 × desil 1 none
  (excluded); 1 × no desil none.
* 32.04.05.2001 Cileunyi Kulon: 12 × desil 1 PKH; 10 × desil 2 none (excluded).
* 35.78.01.1001 Karang Pilang: 3 × desil 9 BPNT (inclusion errors); 4 × desil 1 none.

Period 2026-S2: the same memberships, and the 5 excluded households of Sukarasa get BPNT.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from regional_node.domain.records import HouseholdRecord, MemberRecord, ProgramRecord
from schema.enums import MatchStatus, Program, Relationship
from schema.identity_numbers import Sex, make_kk, make_nik

S1, S2 = "2026-S1", "2026-S2"
SUKARASA, CIPAGANTI = "32.73.01.1001", "32.73.02.1001"
CILEUNYI_KULON, KARANG_PILANG = "32.04.05.2001", "35.78.01.1001"
PKH, BPNT, PBI = Program.PKH, Program.BPNT, Program.PBI_JK

# desa → [(how many, desil, programs in S1, programs added in S2)]
LAYOUT: dict[str, list[tuple[int, int | None, tuple[Program, ...], tuple[Program, ...]]]] = {
    SUKARASA: [(10, 1, (PKH, BPNT), ()), (5, 2, (), (BPNT,)), (3, 7, (PKH,), ()),
               (2, None, (BPNT,), ())],
    CIPAGANTI: [(4, 3, (PBI,), ()), (6, 5, (PBI,), ()), (2, 1, (), ()), (1, None, (), ())],
    CILEUNYI_KULON: [(12, 1, (PKH,), ()), (10, 2, (), ())],
    KARANG_PILANG: [(3, 9, (BPNT,), ()), (4, 1, (), ())],
}


def _household(desa: str, serial: int, desil: int | None,
               programs: Sequence[tuple[Program, str]]) -> HouseholdRecord:
    kecamatan = desa[:8]
    head = MemberRecord(nik=make_nik(kecamatan, dt.date(1980, 1, 1), Sex.MALE, serial),
                        name=f"Warga Sasaran {serial}", birth_date=dt.date(1980, 1, 1),
                        sex=Sex.MALE, relationship=Relationship.HEAD,
                        match_status=MatchStatus.MATCH)
    return HouseholdRecord(
        kk_number=make_kk(kecamatan, dt.date(2015, 3, 4), serial), desa_code=desa,
        address=f"Jl. Sasaran {serial}", members=[head], desil=desil,
        programs=[ProgramRecord(program, period, dt.date(2026, 1 if period == S1 else 7, 1))
                  for program, period in programs])


def _households(kabkota: str) -> Iterator[HouseholdRecord]:
    serial = 100
    for desa, groups in LAYOUT.items():
        if not desa.startswith(kabkota + "."):
            continue
        for count, desil, first, added in groups:
            for _ in range(count):
                serial += 1
                memberships = [(p, S1) for p in first] + [(p, S2) for p in first + added]
                yield _household(desa, serial, desil, memberships)


def constructed(kabkota: str) -> list[HouseholdRecord]:
    """The households of one kab/kota's node."""
    return list(_households(kabkota))
