"""Valid households for tests, built from real region codes and consistent NIK/KK numbers."""

from __future__ import annotations

import datetime as dt
import itertools

from regional_node.domain.records import HouseholdRecord, MemberRecord, ProgramRecord
from schema.enums import HouseholdStatus, Program, Relationship
from schema.identity_numbers import Sex, make_kk, make_nik

_serials = itertools.count(1)


def household(desa: str = "32.73.01.1001", *, members: int = 3, serial: int | None = None,
              status: HouseholdStatus = HouseholdStatus.ACTIVE,
              programs: tuple[Program, ...] = (), head_name: str = "Budi Santoso",
              desil: int | None = 2) -> HouseholdRecord:
    """A household in ``desa`` whose head is named ``head_name``; serials never repeat."""
    n = serial if serial is not None else next(_serials)
    kecamatan = desa.rsplit(".", 1)[0]
    people = [_member(kecamatan, n, 0, head_name, Relationship.HEAD, Sex.MALE)]
    people += [_member(kecamatan, n, i, f"Anggota {i} {head_name.split()[-1]}",
                       Relationship.SPOUSE if i == 1 else Relationship.CHILD,
                       Sex.FEMALE if i % 2 else Sex.MALE) for i in range(1, members)]
    return HouseholdRecord(
        kk_number=make_kk(kecamatan, dt.date(2015, 3, 4), n % 9999 + 1),
        desa_code=desa, address=f"Jl. Contoh No. {n}", members=people, status=status,
        desil=desil,
        programs=[ProgramRecord(p, "2026-S1", dt.date(2026, 1, 1)) for p in programs],
    )


def _member(kecamatan: str, household_serial: int, index: int, name: str,
            relationship: Relationship, sex: Sex) -> MemberRecord:
    born = dt.date(1960 + (household_serial + index * 7) % 55, 1 + index % 12, 1 + index)
    serial = (household_serial * 10 + index) % 9999 + 1
    return MemberRecord(nik=make_nik(kecamatan, born, sex, serial), name=name, birth_date=born,
                        sex=sex, relationship=relationship)
