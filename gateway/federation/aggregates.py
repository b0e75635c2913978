"""Grouped household counts across nodes: pushed down, combined, or read from rollups.

A node groups by what it holds (kecamatan, desa, status, program, desil); the gateway adds
the province and kab/kota of the node that answered and sums groups with the same key.
``asOf`` of a combined group is the oldest of its parts. Rollups keep, per region, counts by
(status, desil) for every household and by (program, status, desil) for enrolments, so they
answer any grouping by province, kab/kota, status, program and desil and any filter on those.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from gateway.federation.filters import HouseholdFilter
from schema.regions import RegionLevel, level_of


class Dimension(StrEnum):
    PROVINCE = "PROVINCE"
    KABKOTA = "KABKOTA"
    KECAMATAN = "KECAMATAN"
    DESA = "DESA"
    STATUS = "STATUS"
    PROGRAM = "PROGRAM"
    DESIL = "DESIL"


#: dimensions a node groups by itself (the node API's CountDimension)
NODE_DIMENSIONS = (Dimension.KECAMATAN, Dimension.DESA, Dimension.STATUS, Dimension.PROGRAM,
                   Dimension.DESIL)
#: dimensions the rollups keep
ROLLUP_DIMENSIONS = frozenset({Dimension.PROVINCE, Dimension.KABKOTA, Dimension.STATUS,
                               Dimension.PROGRAM, Dimension.DESIL})
#: the two groupings each node reports for the rollups
ROLLUP_TOTALS = (Dimension.STATUS, Dimension.DESIL)
ROLLUP_ENROLMENTS = (Dimension.PROGRAM, Dimension.STATUS, Dimension.DESIL)


@dataclass(frozen=True, slots=True)
class CountGroup:
    province: str | None
    kabkota: str | None
    kecamatan: str | None
    desa: str | None
    status: str | None
    program: str | None
    desil: int | None
    households: int
    members: int
    as_of: dt.datetime

    def key(self) -> tuple[Any, ...]:
        return (self.province, self.kabkota, self.kecamatan, self.desa, self.status,
                self.program, self.desil)


def rollups_can_answer(dimensions: Iterable[Dimension], flt: HouseholdFilter,
                       grain: Iterable[str] = ()) -> bool:
    """``grain``: every dimension a cell of the caller's grain may be keyed by, for a role
    that sees small cells withheld (``schema.disclosure.grain_dimensions``): the rollups
    answer it only if they keep that grain, so their counts are the live ones."""
    if not set(dimensions) | set(grain) <= ROLLUP_DIMENSIONS or flt.name:
        return False
    return flt.region is None or level_of(flt.region) in (RegionLevel.PROVINSI,
                                                          RegionLevel.KABKOTA)


def node_dimensions(dimensions: Sequence[Dimension]) -> list[str]:
    return [d.value for d in dimensions if d in NODE_DIMENSIONS]


def groups_from_node(region: str, rows: Iterable[Mapping[str, Any]],
                     dimensions: Sequence[Dimension], as_of: dt.datetime) -> list[CountGroup]:
    """A node's ``householdCounts`` rows as groups keyed by the requested dimensions."""
    chosen = set(dimensions)
    return [CountGroup(
        province=region.split(".")[0] if Dimension.PROVINCE in chosen else None,
        kabkota=region if Dimension.KABKOTA in chosen else None,
        kecamatan=row.get("kecamatanCode") if Dimension.KECAMATAN in chosen else None,
        desa=row.get("desaCode") if Dimension.DESA in chosen else None,
        status=row.get("status") if Dimension.STATUS in chosen else None,
        program=row.get("program") if Dimension.PROGRAM in chosen else None,
        desil=row.get("desil") if Dimension.DESIL in chosen else None,
        households=int(row["households"]), members=int(row["members"]), as_of=as_of)
        for row in rows]


def project(groups: Iterable[CountGroup], dimensions: Iterable[Dimension]) -> list[CountGroup]:
    """``groups`` with the keys of dimensions not in ``dimensions`` set to null (to
    :func:`combine` them into the groups asked for)."""
    kept = set(dimensions)
    cleared: dict[str, Any] = {field: None for dimension, field in _GROUP_KEYS.items()
                               if dimension not in kept}
    return [dataclasses.replace(group, **cleared) for group in groups]


_GROUP_KEYS = {Dimension.PROVINCE: "province", Dimension.KABKOTA: "kabkota",
               Dimension.KECAMATAN: "kecamatan", Dimension.DESA: "desa",
               Dimension.STATUS: "status", Dimension.PROGRAM: "program",
               Dimension.DESIL: "desil"}


def combine(groups: Iterable[CountGroup]) -> list[CountGroup]:
    """Sum groups with the same key; the oldest ``as_of`` wins; ordered by key."""
    combined: dict[tuple[Any, ...], CountGroup] = {}
    for group in groups:
        key = group.key()
        seen = combined.get(key)
        if seen is None:
            combined[key] = group
        else:
            combined[key] = dataclasses.replace(
                seen, households=seen.households + group.households,
                members=seen.members + group.members, as_of=min(seen.as_of, group.as_of))
    return [combined[key] for key in sorted(combined, key=_sortable)]


def _sortable(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((value is not None, value if value is not None else "") for value in key)
