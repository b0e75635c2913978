"""A small set of households whose DIPA is computed by hand (tests/gateway/test_dipa.py,
tests/node/test_benefit_counts.py): PKH + BPNT for a family of five (an SD child, a toddler,
a grandparent of 75), BPNT on a head not yet checked at Dukcapil, BPNT on a PROPOSED
household, PBI-JK for two persons, and BPNT for family 905 (tied to an enrolment by the
tests)."""

from __future__ import annotations

import datetime as dt

from regional_node.domain.records import HouseholdRecord, MemberRecord, ProgramRecord
from schema.enums import Education, HouseholdStatus, MatchStatus, Program, Relationship
from schema.identity_numbers import Sex, make_kk, make_nik

DESA = "32.73.01.1001"
KECAMATAN = "32.73.01"


def person(serial: int, born: dt.date, relationship: Relationship, *,
           match: MatchStatus = MatchStatus.MATCH, education: Education | None = None,
           sex: Sex = Sex.MALE) -> MemberRecord:
    return MemberRecord(nik=make_nik(KECAMATAN, born, sex, serial), name=f"Warga {serial}",
                        birth_date=born, sex=sex, relationship=relationship,
                        education=education, match_status=match)


def family(serial: int, members: list[MemberRecord], programs: list[ProgramRecord], *,
           status: HouseholdStatus = HouseholdStatus.ACTIVE) -> HouseholdRecord:
    return HouseholdRecord(kk_number=make_kk(KECAMATAN, dt.date(2015, 3, 4), serial),
                           desa_code=DESA, address=f"Jl. Anggaran {serial}", members=members,
                           status=status, programs=programs, desil=1)


def enrolled(program: Program, nik: str | None = None) -> ProgramRecord:
    return ProgramRecord(program, "2026-S1", dt.date(2026, 1, 1), nik)


def seeded() -> list[HouseholdRecord]:
    head, spouse = person(1, dt.date(1980, 2, 1), Relationship.HEAD), \
        person(2, dt.date(1982, 3, 1), Relationship.SPOUSE, sex=Sex.FEMALE)
    pkh = family(901, [head, spouse,
                       person(3, dt.date(2016, 5, 1), Relationship.CHILD, education=Education.SD),
                       person(4, dt.date(2022, 3, 1), Relationship.CHILD),
                       person(5, dt.date(1950, 6, 1), Relationship.PARENT)],
                 [enrolled(Program.PKH), enrolled(Program.BPNT)])
    unchecked = family(902, [person(6, dt.date(1975, 1, 1), Relationship.HEAD,
                                    match=MatchStatus.UNCHECKED)], [enrolled(Program.BPNT)])
    proposed = family(903, [person(7, dt.date(1979, 1, 1), Relationship.HEAD)],
                      [enrolled(Program.BPNT)], status=HouseholdStatus.PROPOSED)
    insured = [person(8, dt.date(1970, 1, 1), Relationship.HEAD),
               person(9, dt.date(1972, 1, 1), Relationship.SPOUSE, sex=Sex.FEMALE)]
    pbi = family(904, insured, [enrolled(Program.PBI_JK, m.nik) for m in insured])
    pending = family(905, [person(10, dt.date(1985, 1, 1), Relationship.HEAD)],
                     [enrolled(Program.BPNT)])
    return [pkh, unchecked, proposed, pbi, pending]
