"""The bulk store path used by imports and the seeder: ids, links, programs, audit digests."""

from __future__ import annotations

import dataclasses
import datetime as dt
from enum import Enum

import pytest
from sqlalchemy import func, select

from regional_node.adapters.bulk_insert import allocate_id_sets, insert_rows
from regional_node.adapters.database import Database
from regional_node.adapters.orm import Household, Member, NodeMeta, ProgramMembership
from regional_node.domain.audit import Actor, digest
from regional_node.domain.household_rows import household_rows, rows_digest, snapshot
from regional_node.domain.records import HouseholdRecord, ProgramRecord
from regional_node.errors import Conflict
from regional_node.service_layer.audit import verify_audit_chain
from regional_node.service_layer.registry import store_households
from regional_node.service_layer.synthetic import generate_households
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.enums import Asset, FloorMaterial, Program
from tests.factories import household

ACTOR = Actor("test:bulk", "DINSOS")


def _with_person_program(desa: str) -> HouseholdRecord:
    record = household(desa, members=3, programs=(Program.PKH,))
    record.assets = (Asset.TELEVISION, Asset.MOTORCYCLE)
    record.floor_material = FloorMaterial.CERAMIC
    record.programs.append(ProgramRecord(Program.PBI_JK, "2026-S1", dt.date(2026, 1, 1),
                                         member_nik=record.members[2].nik))
    return record


def test_snapshot_equals_dataclasses_asdict() -> None:
    record = _with_person_program("32.73.01.1001")
    assert snapshot(record) == dataclasses.asdict(record)


def test_digest_from_rows_equals_digest_of_the_record() -> None:
    """Imports digest the rows they store; the chain must hold what the record's digest is."""
    records = [_with_person_program("32.73.01.1001"),
               *generate_households("32.73", 300, seed=7)]
    bare = household("32.73.02.1001", members=1, programs=())
    bare.latitude = bare.longitude = bare.desil = None
    records.append(bare)
    for record in records:
        assert household_rows(record)[3] == digest(snapshot(record)), record.kk_number
    values, members, programs, _ = household_rows(records[0])
    members[0] = (*members[0][:1], "another name", *members[0][2:])
    assert rows_digest(values, members, programs) != digest(snapshot(records[0]))


def test_digest_from_rows_writes_every_value_as_the_encoder_does() -> None:
    """The rows' JSON is written without the encoder: text that needs escaping, non-ASCII,
    floats of every shape, None everywhere and values of other types must still hash the same
    (other types take the encoder's path)."""
    record = _with_person_program("32.73.01.1001")
    tricky = ['quote " back \\ slash', "tab\tnew\nline\x00\x1f", "Ñoño — 𝔘 ünï", "", "{0}"]
    for index, text in enumerate(tricky):
        record.members[index % 3].name = text
        record.members[index % 3].occupation = text
        record.address = text
        record.programs[0].period = text
        assert household_rows(record)[3] == digest(snapshot(record)), text
    for latitude in (-6.9, -6.917464, 1e-07, 1e16, -0.0, 0.1 + 0.2, 5e-324, float("inf"),
                     float("nan")):
        record.latitude = record.floor_area_m2 = latitude
        assert household_rows(record)[3] == digest(snapshot(record)), latitude
    record.desil = 0
    record.latitude = record.longitude = record.floor_area_m2 = None
    record.members[0].education = record.members[0].occupation = None
    record.members[1].alive = False
    record.members[1].birth_date = dt.date(1, 1, 1)
    record.assets = ()
    assert household_rows(record)[3] == digest(snapshot(record))
    values, members, programs, _ = household_rows(record, with_digest=False)
    unusual = [  # not what rows hold, but each must hash as the encoder writes it
        ((*values[:1], dt.datetime(2026, 1, 2, 3, 4, 5), *values[2:]), members, programs),
        ((*values[:15], True, *values[16:]), members, programs),
        ((*values[:14], ("A", 1, None), *values[15:]), members, programs),
        (values, [(*members[0][:3], Enum("S", {"M": "MALE"}).M, *members[0][4:])], []),
        ((*values[:1], ["a", "list"], *values[2:]), members, programs),
    ]
    for rows in unusual:
        data = dict(zip(("kk_number", "desa_code", "address", "latitude", "longitude",
                         "floor_material", "wall_material", "roof_material", "floor_area_m2",
                         "tenure", "drinking_water", "lighting", "cooking_fuel", "toilet",
                         "assets", "desil", "status"), rows[0], strict=True))
        data["members"] = [dict(zip(("nik", "name", "birth_date", "sex", "relationship",
                                     "education", "occupation", "disability", "match_status",
                                     "alive"), m, strict=True)) for m in rows[1]]
        data["programs"] = [{"program": p, "period": q, "start_date": s,
                             "member_nik": None if i is None else rows[1][i][0]}
                            for i, p, q, s in rows[2]]
        assert rows_digest(*rows) == digest(data)
    with pytest.raises(ValueError):
        rows_digest(values[:-1], members, programs)


def test_rows_hold_plain_strings_not_enum_members() -> None:
    values, members, programs, _ = household_rows(_with_person_program("32.73.01.1001"))
    for value in (*values, *values[14], *members[0], *programs[0]):
        assert not isinstance(value, Enum), value
    assert programs[-1][0] == 2  # the person-level program points at its member


async def test_store_households_links_members_and_programs(database: Database) -> None:
    records = [_with_person_program("32.73.01.1001"), _with_person_program("32.73.02.1001")]
    async with UnitOfWork(database, ACTOR) as uow:
        first_ids = await store_households(uow, records[:1])
        await uow.commit()
    async with UnitOfWork(database, ACTOR) as uow:
        second_ids = await store_households(uow, records[1:])
        await uow.commit()
    assert len(set(first_ids + second_ids)) == 2

    async with database.reader() as session:
        for record, household_id in zip(records, first_ids + second_ids, strict=True):
            stored = (await session.execute(
                select(Household).where(Household.id == household_id))).scalar_one()
            assert stored.kk_number == record.kk_number
            assert stored.assets == ["TELEVISION", "MOTORCYCLE"]
            niks = (await session.execute(select(Member.nik).where(
                Member.household_id == household_id).order_by(Member.id))).scalars().all()
            assert niks == [m.nik for m in record.members]
            programs = (await session.execute(
                select(ProgramMembership.program, Member.nik)
                .outerjoin(Member, Member.id == ProgramMembership.member_id)
                .where(ProgramMembership.household_id == household_id)
                .order_by(ProgramMembership.program))).all()
            assert [tuple(p) for p in programs] == [("PBI_JK", record.members[2].nik),
                                                    ("PKH", None)]
        assert (await session.execute(select(func.count()).select_from(Member))).scalar() == 6
    assert (await verify_audit_chain(database)).verified == 2


async def test_bulk_store_rolls_back_without_commit(database: Database) -> None:
    async with UnitOfWork(database, ACTOR) as uow:
        await store_households(uow, [_with_person_program("32.73.03.1001")])
    async with database.reader() as session:
        for model in (Household, Member, ProgramMembership):
            count = (await session.execute(select(func.count()).select_from(model))).scalar()
            assert count == 0, model


async def test_bulk_insert_as_first_statement_joins_the_transaction(database: Database) -> None:
    async with UnitOfWork(database, ACTOR) as uow:
        await insert_rows(uow.session, NodeMeta, [{"key": "probe", "value": "rolled back"}])
    async with database.reader() as session:
        assert await session.get(NodeMeta, "probe") is None


async def test_a_unique_clash_in_the_bulk_path_is_a_conflict(database: Database) -> None:
    record = _with_person_program("32.73.04.1001")
    async with UnitOfWork(database, ACTOR) as uow:
        await store_households(uow, [record])
        await uow.commit()
    with pytest.raises(Conflict, match="conflicts with stored data"):
        async with UnitOfWork(database, ACTOR) as uow:
            await store_households(uow, [record])
    async with database.reader() as session:
        assert (await session.execute(select(func.count()).select_from(Household))).scalar() == 1


async def test_keys_for_several_tables_in_one_allocation(database: Database) -> None:
    async with UnitOfWork(database, ACTOR) as uow:
        await store_households(uow, [_with_person_program("32.73.05.1001")])  # keys 1; 1-3
        households, nothing, members = await allocate_id_sets(
            uow.session, [(Household, 2), (ProgramMembership, 0), (Member, 4)])
        assert nothing == []
        assert households == sorted(households) and len(set(households)) == 2
        assert members == sorted(members) and len(set(members)) == 4
        assert min(households) > 1 and min(members) > 3
        assert await allocate_id_sets(uow.session, [(Household, 0)]) == [[]]
