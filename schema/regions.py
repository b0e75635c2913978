"""Kemendagri region codes: provinsi ``32``, kab/kota ``32.73``, kecamatan ``32.73.01``,
desa/kelurahan ``32.73.01.1001``.

The table (91,599 codes, Kepmendagri 300.2.2-2138/2025) ships inside the package and is loaded
on first use, never at import time.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources

from schema.errors import InvalidRegionCode

_CODE_SHAPE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")


class RegionLevel(StrEnum):
    PROVINSI = "provinsi"
    KABKOTA = "kabkota"
    KECAMATAN = "kecamatan"
    DESA = "desa"


_LEVEL_BY_PARTS = {
    1: RegionLevel.PROVINSI,
    2: RegionLevel.KABKOTA,
    3: RegionLevel.KECAMATAN,
    4: RegionLevel.DESA,
}


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: RegionLevel

    @property
    def parent_code(self) -> str | None:
        return parent_code(self.code)


def level_of(code: str) -> RegionLevel:
    """The level a well-formed code names, from its shape alone."""
    check_shape(code)
    return _LEVEL_BY_PARTS[code.count(".") + 1]


def check_shape(code: str) -> None:
    if not isinstance(code, str) or not _CODE_SHAPE.match(code):
        raise InvalidRegionCode(
            f"{code!r} is not a region code: expected 32, 32.73, 32.73.01 or 32.73.01.1001",
            reason="malformed",
        )


def parent_code(code: str) -> str | None:
    head, sep, _ = code.rpartition(".")
    return head if sep else None


def is_within(code: str, ancestor: str) -> bool:
    """True when ``code`` is ``ancestor`` or lies inside it (by code prefix)."""
    return code == ancestor or code.startswith(ancestor + ".")


def compact(code: str) -> str:
    """``32.73.01`` → ``327301``: the form NIK and KK numbers carry."""
    return code.replace(".", "")


def expand_kecamatan(digits: str) -> str:
    """``327301`` → ``32.73.01``."""
    return f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}"


class RegionDirectory:
    """Lookups over the full table: name, level, parent, children, containment.

    Built cheaply (a process that only checks a few codes, like an import's reading process,
    waits for it): each :class:`Region` is made on first use and kept, the children index on
    the first question about children.
    """

    def __init__(self, regions: list[Region], population: dict[str, tuple[int, int, int]]):
        self._rows = {r.code: (r.name, r.level) for r in regions}
        self._by_code = {r.code: r for r in regions}
        self._population = population
        self._children: dict[str, list[str]] | None = None

    @classmethod
    def _of_rows(cls, rows: dict[str, tuple[str, RegionLevel]],
                 population: dict[str, tuple[int, int, int]]) -> RegionDirectory:
        directory = cls([], population)
        directory._rows = rows
        return directory

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, code: object) -> bool:
        return code in self._rows

    def get(self, code: str) -> Region | None:
        region = self._by_code.get(code)
        if region is None:
            row = self._rows.get(code)
            if row is None:
                return None
            region = self._by_code[code] = Region(code, *row)
        return region

    def require(self, code: str, *, level: RegionLevel | None = None) -> Region:
        """The region for ``code``, or :class:`InvalidRegionCode` saying why not."""
        check_shape(code)
        region = self.get(code)
        if region is None:
            raise InvalidRegionCode(f"region {code} does not exist", reason="unknown")
        if level is not None and region.level != level:
            raise InvalidRegionCode(
                f"region {code} ({region.name}) is a {region.level}, expected a {level}",
                reason="wrong_level",
            )
        return region

    def children(self, code: str) -> list[Region]:
        if self._children is None:
            children: dict[str, list[str]] = {}
            for child in self._rows:
                parent = parent_code(child)
                if parent is not None:
                    children.setdefault(parent, []).append(child)
            self._children = children
        return [self._region(c) for c in self._children.get(code, [])]

    def descendants(self, code: str, level: RegionLevel) -> Iterator[Region]:
        for child in self.children(code):
            if child.level == level:
                yield child
            else:
                yield from self.descendants(child.code, level)

    def all(self, level: RegionLevel | None = None) -> Iterator[Region]:
        return (self._region(code) for code, (_, found) in self._rows.items()
                if level is None or found == level)

    def _region(self, code: str) -> Region:
        region = self.get(code)
        assert region is not None
        return region

    def population(self, code: str) -> tuple[int, int, int]:
        """(male, female, total) for a provinsi or kab/kota."""
        try:
            return self._population[code]
        except KeyError:
            raise InvalidRegionCode(f"no population figure for {code}", reason="unknown") from None


def _read_package_text(name: str) -> str:
    data = resources.files("schema").joinpath("data", name).read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8")


@functools.cache
def regions() -> RegionDirectory:
    """The shipped directory, loaded once per process."""
    rows = csv.reader(io.StringIO(_read_package_text("regions.csv.gz")))
    if next(rows) != ["code", "name", "level"]:
        raise RuntimeError("schema/data/regions.csv.gz: unexpected header")
    level_of = {level.value: level for level in RegionLevel}  # ~5x cheaper than RegionLevel(…)
    table = {code: (name, level_of[level]) for code, name, level in rows}
    pop_rows = csv.DictReader(io.StringIO(_read_package_text("population.csv")))
    population = {
        r["code"]: (int(r["male"]), int(r["female"]), int(r["total"])) for r in pop_rows
    }
    return RegionDirectory._of_rows(table, population)
