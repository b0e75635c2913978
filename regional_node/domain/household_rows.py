"""A household as the bulk path stores it: plain tuples of plain values, audit digest included.

Pure: used by the registry to store, and by an import's reading half (which may run in a
process of its own and hands these tuples over: they pickle far faster than records).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from enum import Enum
from operator import attrgetter
from typing import Any

from regional_node.domain.audit import digest
from regional_node.domain.records import HouseholdRecord, MemberRecord, ProgramRecord
from schema import enums
from schema.identity_numbers import Sex
from schema.plain_json import NotPlain, json_template, plain_json, plain_list_json

# One household ready to store: its column values (no keys, no timestamps), its members'
# values, its programs' values and the digest its audit entry carries (None: not computed
# yet, the registry computes it). Plain tuples of plain values (enums as their strings), so
# that an import's reading process hands them over cheaply (pickle). A program's first value
# is the index of its member in the household, or None for a household-level program.
HouseholdRows = tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]],
                      str | None]

HOUSEHOLD_COLUMNS = (
    "kk_number", "desa_code", "address", "latitude", "longitude", "floor_material",
    "wall_material", "roof_material", "floor_area_m2", "tenure", "drinking_water", "lighting",
    "cooking_fuel", "toilet", "assets", "desil", "status")
MEMBER_COLUMNS = ("nik", "name", "birth_date", "sex", "relationship", "education",
                  "occupation", "disability", "match_status", "alive")
PROGRAM_COLUMNS = ("program", "period", "start_date")


def household_rows(record: HouseholdRecord, *, with_digest: bool = True) -> HouseholdRows:
    """What the registry stores for ``record``, with its audit digest unless told not to."""
    values, members, programs = _values(record)
    found = rows_digest(values, members, programs) if with_digest else None
    return values, members, programs, found


def _values(record: HouseholdRecord) -> tuple[tuple[Any, ...], list[tuple[Any, ...]],
                                               list[tuple[Any, ...]]]:
    members = record.members
    index_by_nik = {m.nik: i for i, m in enumerate(members)}
    return (
        (record.kk_number, record.desa_code, record.address, record.latitude,
         record.longitude, _plain(record.floor_material), _plain(record.wall_material),
         _plain(record.roof_material), record.floor_area_m2, _plain(record.tenure),
         _plain(record.drinking_water), _plain(record.lighting), _plain(record.cooking_fuel),
         _plain(record.toilet), [_plain(a) for a in record.assets], record.desil,
         _plain(record.status)),
        [(m.nik, m.name, m.birth_date, _plain(m.sex), _plain(m.relationship),
          _plain(m.education), m.occupation, _plain(m.disability), _plain(m.match_status),
          m.alive) for m in members],
        [(index_by_nik[p.member_nik] if p.member_nik else None, _plain(p.program), p.period,
          p.start_date) for p in record.programs],
    )


def rows_digest(values: tuple[Any, ...], members: list[tuple[Any, ...]],
                programs: list[tuple[Any, ...]]) -> str:
    """The audit digest of the household these rows hold: ``digest(snapshot(record))``, byte
    for byte, computed from the rows (a test holds the two equal).

    The canonical JSON is written straight from the rows (keys in sorted order, each value as
    :func:`~schema.audit_chain.canonical_json` writes it) instead of building dictionaries for
    the encoder to sort: the same bytes, hashed the same way, for about a third less CPU. A value
    of any other type takes the general path.
    """
    try:
        text = _canonical_rows(values, members, programs)
    except (NotPlain, TypeError):  # TypeError: a value that cannot be a dictionary key
        return digest(_rows_snapshot(values, members, programs))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _rows_snapshot(values: tuple[Any, ...], members: list[tuple[Any, ...]],
                   programs: list[tuple[Any, ...]]) -> dict[str, Any]:
    """What ``snapshot(record)`` holds, rebuilt from the rows."""
    data: dict[str, Any] = dict(zip(HOUSEHOLD_COLUMNS, values, strict=True))
    data["members"] = [dict(zip(MEMBER_COLUMNS, member, strict=True)) for member in members]
    data["programs"] = [
        {"program": program, "period": period, "start_date": start,
         "member_nik": None if index is None else members[index][0]}
        for index, program, period, start in programs]
    return data


def _canonical_rows(values: tuple[Any, ...], members: list[tuple[Any, ...]],
                    programs: list[tuple[Any, ...]]) -> str:
    if len(values) != len(HOUSEHOLD_COLUMNS) or any(
            len(member) != len(MEMBER_COLUMNS) for member in members):
        raise NotPlain
    # values that repeat (enum strings, codes, dates) are written once and looked up after
    json, repeated = plain_json, _REPEATED.__getitem__
    member_texts = [
        _MEMBER_JSON.format(json(nik), json(name), *map(repeated, middle), json(alive))
        for nik, name, *middle, alive in members]
    program_texts = [
        _PROGRAM_JSON.format(repeated(program), repeated(period), repeated(start),
                             "null" if index is None else json(members[index][0]))
        for index, program, period, start in programs]
    (kk_number, desa_code, address, latitude, longitude, floor_material, wall_material,
     roof_material, floor_area_m2, tenure, drinking_water, lighting, cooking_fuel, toilet,
     assets, desil, status) = values
    return _HOUSEHOLD_JSON.format(
        json(kk_number), repeated(desa_code), json(address), json(latitude), json(longitude),
        repeated(floor_material), repeated(wall_material), repeated(roof_material),
        json(floor_area_m2), repeated(tenure), repeated(drinking_water), repeated(lighting),
        repeated(cooking_fuel), repeated(toilet), plain_list_json(assets, repeated), json(desil),
        repeated(status), "[" + ",".join(member_texts) + "]",
        "[" + ",".join(program_texts) + "]")


class _Repeated(dict[Any, str]):
    """Values written already, by value: only texts, None and dates are kept (a number is
    never kept: ``1 == 1.0 == True`` as keys, but each is written differently)."""

    def __missing__(self, value: Any) -> str:
        written = plain_json(value)
        if value.__class__ in _KEPT and len(self) < 100_000:
            self[value] = written
        return written


_KEPT = (str, type(None), dt.date)
_REPEATED = _Repeated()


_HOUSEHOLD_JSON = json_template((*HOUSEHOLD_COLUMNS, "members", "programs"))
_MEMBER_JSON = json_template(MEMBER_COLUMNS)
_PROGRAM_JSON = json_template(("program", "period", "start_date", "member_nik"))


_HOUSEHOLD_FIELDS = tuple(f.name for f in dataclasses.fields(HouseholdRecord))
_MEMBER_FIELDS = tuple(f.name for f in dataclasses.fields(MemberRecord))
_PROGRAM_FIELDS = tuple(f.name for f in dataclasses.fields(ProgramRecord))
_household_values = attrgetter(*_HOUSEHOLD_FIELDS)
_member_values = attrgetter(*_MEMBER_FIELDS)
_program_values = attrgetter(*_PROGRAM_FIELDS)


def snapshot(record: HouseholdRecord) -> dict[str, Any]:
    """The state an audit digest covers: every field, members and programs included.

    Equal to ``dataclasses.asdict(record)`` (a test holds it to that), built without its
    recursive deep copy, which cost more than the inserts on large imports.
    """
    data = dict(zip(_HOUSEHOLD_FIELDS, _household_values(record), strict=True))
    data["members"] = [dict(zip(_MEMBER_FIELDS, _member_values(m), strict=True))
                       for m in record.members]
    data["programs"] = [dict(zip(_PROGRAM_FIELDS, _program_values(p), strict=True))
                        for p in record.programs]
    data["assets"] = tuple(record.assets)
    return data


# every enum member the rows hold, to its plain string (a dict look-up is ~10x cheaper than
# ``member.value``); None stays None
_ENUMS: list[type[Enum]] = [Sex, *(
    kind for kind in vars(enums).values()
    if isinstance(kind, type) and issubclass(kind, Enum) and kind.__module__ == enums.__name__)]
_PLAIN: dict[Any, Any] = {None: None, **{member: member.value for kind in _ENUMS
                                         for member in kind}}
_plain = _PLAIN.__getitem__
