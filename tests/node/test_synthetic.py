"""The synthetic household generator (pure) and ``siks seed`` end to end on both backends."""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
from collections import Counter

import pytest
from sqlalchemy import func, select

from regional_node.adapters.database import open_database
from regional_node.adapters.orm import AuditHead, Household, Member, ProgramMembership
from regional_node.domain.records import HouseholdRecord, household_problems
from regional_node.service_layer.audit import verify_audit_chain
from regional_node.service_layer.synthetic import (
    OLDEST_BIRTH,
    REFERENCE_DATE,
    _Generator,
    generate_households,
)
from regional_node.service_layer.synthetic_layout import region_layout
from schema.enums import Program, Relationship
from schema.errors import InvalidInput, InvalidRegionCode
from schema.geo import boundary
from schema.identity_numbers import Sex, parse_kk, parse_nik
from schema.regions import RegionLevel, is_within, regions
from siks.cli import main

REGION = "32.73"
# Kota Bandung, Kota Denpasar (Balinese names), Tapanuli Tengah (Batak marga, 54 islands),
# Nabire (Papua), Kepulauan Seribu (115 small islands).
REGIONS = ("32.73", "51.71", "12.01", "94.01", "31.01")


@pytest.fixture(scope="module")
def bandung() -> list[HouseholdRecord]:
    return list(generate_households(REGION, 2_000, seed=42))


@pytest.fixture(scope="module")
def across_regions() -> dict[str, list[HouseholdRecord]]:
    return {code: list(generate_households(code, 300, seed=3)) for code in REGIONS}


def _all(bandung: list[HouseholdRecord], across: dict[str, list[HouseholdRecord]]
         ) -> list[tuple[str, HouseholdRecord]]:
    return [(REGION, r) for r in bandung] + [(c, r) for c, rs in across.items() for r in rs]


# -- determinism ------------------------------------------------------------------------------

def test_same_seed_region_and_count_give_identical_households() -> None:
    first = list(generate_households(REGION, 200, seed=7))
    assert first == list(generate_households(REGION, 200, seed=7))
    assert repr(first) == repr(list(generate_households(REGION, 200, seed=7)))


def test_a_different_seed_gives_different_households() -> None:
    a = list(generate_households(REGION, 200, seed=7))
    b = list(generate_households(REGION, 200, seed=8))
    assert [r.kk_number for r in a] != [r.kk_number for r in b]
    assert [m.name for r in a for m in r.members] != [m.name for r in b for m in r.members]


def test_nearby_seeds_use_disjoint_number_ranges() -> None:
    a = list(generate_households(REGION, 300, seed=42))
    b = list(generate_households(REGION, 300, seed=43))
    assert not {r.kk_number for r in a} & {r.kk_number for r in b}
    assert not {m.nik for r in a for m in r.members} & {m.nik for r in b for m in r.members}


def test_generation_uses_no_global_random_state() -> None:
    import random

    random.seed(1)
    a = list(generate_households(REGION, 50, seed=5))
    random.seed(2)
    assert a == list(generate_households(REGION, 50, seed=5))


# -- validity ---------------------------------------------------------------------------------

def test_every_generated_household_passes_validation(bandung, across_regions) -> None:
    failures = [(code, r.kk_number, problems) for code, r in _all(bandung, across_regions)
                if (problems := household_problems(r, code))]
    assert failures == []


def test_numbers_are_unique_within_a_generated_set(bandung, across_regions) -> None:
    for records in [bandung, *across_regions.values()]:
        kks = [r.kk_number for r in records]
        niks = [m.nik for r in records for m in r.members]
        assert len(set(kks)) == len(kks)
        assert len(set(niks)) == len(niks)


def test_niks_match_kecamatan_birth_date_and_sex(bandung, across_regions) -> None:
    for _, record in _all(bandung, across_regions):
        kecamatan = record.desa_code.rsplit(".", 1)[0]
        for member in record.members:
            parts = parse_nik(member.nik)
            assert parts.kecamatan_code == kecamatan
            assert parts.birth_date == member.birth_date
            assert parts.sex == member.sex
            day = int(member.nik[6:8])
            assert (day > 40) == (member.sex is Sex.FEMALE)
            assert OLDEST_BIRTH <= member.birth_date < REFERENCE_DATE


def test_a_full_serial_range_moves_the_birth_date_not_the_rules() -> None:
    generator = _Generator(region_layout(REGION), seed=1)
    born = dt.date(1990, 5, 17).toordinal()
    generator.nik_serials[born * 2 + 1] = 9999  # every serial of that day and sex is taken
    moved, nik = generator.nik("327301", born, True)
    assert moved == born - 1
    parts = parse_nik(nik)
    assert parts.birth_date == dt.date(1990, 5, 16) and parts.sex is Sex.FEMALE
    assert parts.serial == f"{generator.first_serial:04d}"


def test_kk_numbers_match_kecamatan_and_a_plausible_issue_date(bandung, across_regions) -> None:
    for _, record in _all(bandung, across_regions):
        parts = parse_kk(record.kk_number)
        assert parts.kecamatan_code == record.desa_code.rsplit(".", 1)[0]
        youngest = max(m.birth_date for m in record.members)
        assert youngest <= parts.issue_date < REFERENCE_DATE
        assert parts.issue_date >= dt.date(2008, 1, 1)


def test_coordinates_lie_inside_the_regency(bandung, across_regions) -> None:
    for code, record in _all(bandung, across_regions):
        area = boundary(code)
        assert area is not None
        assert record.latitude is not None and record.longitude is not None
        assert area.contains(record.latitude, record.longitude), (code, record.kk_number)


def test_desa_are_real_and_inside_the_region(bandung, across_regions) -> None:
    directory = regions()
    for code, record in _all(bandung, across_regions):
        assert directory.require(record.desa_code).level is RegionLevel.DESA
        assert is_within(record.desa_code, code)


def test_households_spread_over_the_regions_desa(bandung) -> None:
    desa = {r.desa_code for r in bandung}
    all_desa = list(regions().descendants(REGION, RegionLevel.DESA))
    assert len(desa) == len(all_desa)  # 2,000 households over 151 desa: every one has some
    per_desa = Counter(r.desa_code for r in bandung)
    assert max(per_desa.values()) < 10 * min(per_desa.values())


def test_programs_name_members_of_their_household(bandung) -> None:
    for record in bandung:
        niks = {m.nik for m in record.members}
        for program in record.programs:
            assert program.member_nik is None or program.member_nik in niks
            assert program.period == "2026-S1"


# -- distributions ----------------------------------------------------------------------------

def test_desil_is_skewed_to_the_poorer_deciles(bandung) -> None:
    desil = Counter(r.desil for r in bandung)
    assert sum(desil[d] for d in range(1, 5)) > 0.5 * len(bandung)
    assert desil[1] > 2 * desil[10]


def test_most_households_are_a_head_with_a_spouse(bandung) -> None:
    for record in bandung:
        assert sum(m.relationship is Relationship.HEAD for m in record.members) == 1
        assert record.members[0].relationship is Relationship.HEAD
    with_spouse = sum(any(m.relationship is Relationship.SPOUSE for m in r.members)
                      for r in bandung)
    assert with_spouse > 0.7 * len(bandung)
    sizes = [len(r.members) for r in bandung]
    assert 3.3 <= statistics.mean(sizes) <= 4.5
    female_heads = sum(r.members[0].sex is Sex.FEMALE for r in bandung)
    assert 0.05 * len(bandung) < female_heads < 0.3 * len(bandung)


def test_family_ages_are_plausible(bandung) -> None:
    for record in bandung:
        head = record.members[0]
        for member in record.members:
            if member.relationship is Relationship.CHILD:
                assert member.birth_date > head.birth_date
            if member.relationship is Relationship.PARENT:
                assert member.birth_date < head.birth_date


def test_programs_follow_the_desil(bandung) -> None:
    def rate(program: Program, desil: range) -> float:
        group = [r for r in bandung if r.desil in desil]
        return sum(any(p.program is program for p in r.programs) for r in group) / len(group)

    for program in (Program.PKH, Program.BPNT, Program.PBI_JK):
        assert rate(program, range(1, 3)) > 2 * rate(program, range(5, 11)), program


def test_names_have_a_regional_flavour(across_regions) -> None:
    bali = [m.name for r in across_regions["51.71"] for m in r.members]
    assert all(name.startswith(("I ", "Ni ")) for name in bali)
    batak = [m.name for r in across_regions["12.01"] for m in r.members]
    assert sum(" br. " in name for name in batak) > 0.1 * len(batak)


# -- sizes and errors -------------------------------------------------------------------------

def test_default_count_comes_from_the_population() -> None:
    layout = region_layout("31.01")  # Kepulauan Seribu: 30,334 people
    assert layout.household_count == round(30_334 / 3.5)
    assert sum(layout.allocate(layout.household_count)) == layout.household_count
    assert sum(layout.allocate(7)) == 7


def test_zero_households_is_an_empty_set() -> None:
    assert list(generate_households(REGION, 0)) == []


@pytest.mark.parametrize("region", ["32", "32.73.01", "99.99", "x"])
def test_only_an_existing_kabkota_can_be_generated(region: str) -> None:
    with pytest.raises(InvalidRegionCode):
        generate_households(region, 10)


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(InvalidInput, match="between 0"):
        generate_households(REGION, -1)


# -- siks seed, end to end on SQLite and PostgreSQL ---------------------------------------

async def _state(url: str) -> tuple[int, int, int, int, str]:
    database = open_database(url)
    try:
        async with database.reader() as session:
            households, members, programs = [
                (await session.execute(select(func.count()).select_from(model))).scalar_one()
                for model in (Household, Member, ProgramMembership)]
            head = (await session.execute(select(AuditHead))).scalar_one()
            return households, members, programs, head.seq, head.entry_hash
    finally:
        await database.dispose()


async def _verified(url: str) -> int:
    database = open_database(url)
    try:
        report = await verify_audit_chain(database)
    finally:
        await database.dispose()
    assert report.ok, report.first_break
    return report.verified


def test_seed_stores_the_requested_households(database_url: str, capsys) -> None:
    args = ["seed", "--region", REGION, "--households", "150", "--seed", "9", "--db",
            database_url, "--quiet"]
    assert main(args) == 0
    assert "seeded 150 households" in capsys.readouterr().out
    households, members, programs, head_seq, _ = asyncio.run(_state(database_url))
    expected = list(generate_households(REGION, 150, seed=9))
    assert households == 150
    assert members == sum(len(r.members) for r in expected)
    assert programs == sum(len(r.programs) for r in expected)
    assert head_seq == 150
    assert asyncio.run(_verified(database_url)) == 150


def test_reseeding_the_same_seed_refuses_and_changes_nothing(database_url: str, capsys) -> None:
    args = ["seed", "--region", REGION, "--households", "120", "--seed", "5", "--db",
            database_url, "--quiet"]
    assert main(args) == 0
    before = asyncio.run(_state(database_url))
    capsys.readouterr()

    assert main(args) == 2
    error = capsys.readouterr().err
    assert error.startswith("siks: error: ") and error.count("\n") == 1
    assert "already in the database" in error and "nothing was written" in error
    assert asyncio.run(_state(database_url)) == before
    assert asyncio.run(_verified(database_url)) == 120

    # a nearby seed uses other serials, so it adds to the same database
    assert main(["seed", "--region", REGION, "--households", "120", "--seed", "6", "--db",
                 database_url, "--quiet"]) == 0
    assert asyncio.run(_state(database_url))[0] == 240


def test_seeding_another_region_into_a_bound_database_is_refused(database_url: str,
                                                                 capsys) -> None:
    assert main(["seed", "--region", "32.71", "--households", "5", "--db", database_url,
                 "--quiet"]) == 2
    assert "belongs to region 32.73" in capsys.readouterr().err
    assert asyncio.run(_state(database_url))[0] == 0
