"""The DTKS import format, defined once: one row per person, the household's columns repeated
on each member's row and grouped by ``kk_number``.

Headers are matched case-insensitively after normalisation (``No. KK`` → ``no_kk``), by
canonical name or by a common Indonesian alias. ``docs/import.md`` prints this table.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from regional_node.domain import import_values as values
from regional_node.domain.import_messages import Message, msg
from regional_node.domain.import_values import Cell, choice_parser
from schema.enums import (
    CookingFuel,
    Disability,
    DrinkingWater,
    Education,
    FloorMaterial,
    HouseholdStatus,
    Lighting,
    MatchStatus,
    Program,
    Relationship,
    RoofMaterial,
    Sex,
    Tenure,
    Toilet,
    WallMaterial,
)
from schema.identity_numbers import make_kk, make_nik
from schema.regions import RegionLevel, regions

HEADER_ROW = 1
PERSON_PROGRAMS = frozenset({Program.PBI_JK, Program.PIP})
IGNORED_HEADERS = frozenset({"no", "no_urut", "nomor_urut", "keterangan", "catatan", "notes"})
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


class Scope(StrEnum):
    HOUSEHOLD = "household"  # the same for every row of a KK; read from the head's row
    MEMBER = "member"  # this row's person


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    scope: Scope
    parse: Callable[[Cell], object]
    description: str
    example: str
    required: bool = False
    aliases: tuple[str, ...] = ()


def _choices(enum: type[StrEnum]) -> str:
    return "one of " + ", ".join(m.value for m in enum)


_status = choice_parser(HouseholdStatus)


def _importable_status(cell: Cell) -> HouseholdStatus:
    status = _status(cell)
    if status is HouseholdStatus.INACTIVE:
        raise values.CellError("not_importable", msg(
            "INACTIVE households cannot be imported (an inactive household needs a reason): "
            "leave them out"))
    return status


values.REMEMBERED[_importable_status] = values.FEW_TEXTS


H, M = Scope.HOUSEHOLD, Scope.MEMBER
COLUMNS: tuple[Column, ...] = (
    Column("kk_number", H, values.identity_number_cell, "family card number (16 digits)",
           "", True, ("no_kk", "nomor_kk", "nokk", "kk", "no_kartu_keluarga")),
    Column("desa_code", H, values.desa_code, "Kemendagri desa/kelurahan code (32.73.01.1001 or "
           "3273011001)", "", True, ("kode_desa", "kode_wilayah", "kode_kelurahan", "kd_desa")),
    Column("address", H, values.plain_text, "street address", "Jl. Merdeka No. 10 RT 01 RW 02",
           True, ("alamat", "alamat_lengkap")),
    Column("nik", M, values.identity_number_cell, "the person's NIK (16 digits)", "", True,
           ("no_nik", "nomor_nik", "nomor_induk_kependudukan")),
    Column("name", M, values.plain_text, "full name", "Budi Santoso", True,
           ("nama", "nama_lengkap", "nama_anggota", "nama_art")),
    Column("birth_date", M, values.date, "YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY", "", True,
           ("tgl_lahir", "tanggal_lahir", "tgl_lhr")),
    Column("sex", M, choice_parser(Sex), "MALE/FEMALE (L/P)", "MALE", True,
           ("jenis_kelamin", "jk", "kelamin")),
    Column("relationship", M, choice_parser(Relationship), "relationship to the head: "
           + _choices(Relationship), "HEAD", True,
           ("hub_kk", "hubungan", "hubungan_keluarga", "hubungan_dengan_kk", "shdk")),
    Column("education", M, choice_parser(Education), _choices(Education), "SMA",
           aliases=("pendidikan", "pendidikan_terakhir")),
    Column("occupation", M, values.plain_text, "occupation (free text)", "Buruh harian lepas",
           aliases=("pekerjaan",)),
    Column("disability", M, choice_parser(Disability), _choices(Disability), "NONE",
           aliases=("disabilitas", "jenis_disabilitas")),
    Column("alive", M, values.yes_no, "YES/NO (default YES)", "YES",
           aliases=("hidup", "status_hidup", "masih_hidup")),
    Column("match_status", M, choice_parser(MatchStatus), "Dukcapil check: "
           + _choices(MatchStatus), "UNCHECKED", aliases=("status_padan", "padan_dukcapil")),
    Column("programs", M, values.programs, "PROGRAM@PERIOD[@START] items separated by ';' "
           "(PBI_JK and PIP apply to this row's person)", "PKH@2026-S1;PBI_JK@2026-S1",
           aliases=("program", "program_bansos", "bansos")),
    Column("latitude", H, values.number, "house latitude (decimal degrees)", "",
           aliases=("lat", "lintang")),
    Column("longitude", H, values.number, "house longitude (decimal degrees)", "",
           aliases=("lon", "lng", "long", "bujur")),
    Column("floor_material", H, choice_parser(FloorMaterial), _choices(FloorMaterial),
           "CERAMIC", aliases=("lantai", "jenis_lantai", "bahan_lantai")),
    Column("wall_material", H, choice_parser(WallMaterial), _choices(WallMaterial),
           "BRICK_CONCRETE", aliases=("dinding", "jenis_dinding")),
    Column("roof_material", H, choice_parser(RoofMaterial), _choices(RoofMaterial),
           "CLAY_TILE", aliases=("atap", "jenis_atap")),
    Column("floor_area_m2", H, values.number, "floor area in m²", "36",
           aliases=("luas_lantai", "floor_area")),
    Column("tenure", H, choice_parser(Tenure), _choices(Tenure), "OWNED",
           aliases=("status_kepemilikan_rumah", "kepemilikan_rumah", "status_rumah")),
    Column("drinking_water", H, choice_parser(DrinkingWater), _choices(DrinkingWater), "PIPED",
           aliases=("sumber_air_minum", "air_minum")),
    Column("lighting", H, choice_parser(Lighting), _choices(Lighting), "PLN_METERED",
           aliases=("sumber_penerangan", "penerangan")),
    Column("cooking_fuel", H, choice_parser(CookingFuel), _choices(CookingFuel), "LPG",
           aliases=("bahan_bakar_memasak", "bahan_bakar")),
    Column("toilet", H, choice_parser(Toilet), _choices(Toilet), "PRIVATE",
           aliases=("jamban", "fasilitas_bab", "kepemilikan_jamban")),
    Column("assets", H, values.assets, "assets separated by ';' (LPG_5KG, REFRIGERATOR, ...)",
           "TELEVISION;MOTORCYCLE", aliases=("aset",)),
    Column("desil", H, values.whole_number, "welfare decile 1 (poorest) to 10", "2",
           aliases=("desil_kesejahteraan",)),
    Column("status", H, _importable_status, "ACTIVE (default) or PROPOSED",
           "ACTIVE", aliases=("household_status", "status_dtks")),
)
COLUMN_BY_NAME = {c.name: c for c in COLUMNS}
HOUSEHOLD_COLUMNS = tuple(c.name for c in COLUMNS if c.scope is Scope.HOUSEHOLD)
REQUIRED_COLUMNS = tuple(c.name for c in COLUMNS if c.required)


def normalise_header(cell: Cell) -> str:
    """``"No. KK "`` → ``no_kk``; ``"Tgl Lahir"`` → ``tgl_lahir``."""
    return _NOT_ALNUM.sub("_", values.text(cell).lower()).strip("_")


_NAME_BY_HEADER = {normalise_header(header): column.name
                   for column in COLUMNS for header in (column.name, *column.aliases)}


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem, where the operator sees it: ``row`` counts the header as 1, ``column``
    is the header as written in the file."""

    row: int
    column: str
    reason: str
    message: Message  # rendered in the reader's language: message.text(language)


@dataclass(frozen=True, slots=True)
class RowWarning:
    """Implausible but possible data (:mod:`regional_node.domain.plausibility`), where the
    operator sees it; the household is stored, and the warning with it. ``nik``: the member
    it is about (None: the household)."""

    row: int
    column: str
    kind: str
    message: Message
    kk_number: str
    nik: str | None


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each known column sits in the file, and how the file names it."""

    positions: dict[str, int]
    labels: dict[str, str] = field(default_factory=dict)

    def label(self, name: str) -> str:
        return self.labels.get(name, name)


def resolve_header(cells: Sequence[Cell]) -> tuple[Layout, list[RowError]]:
    """Match a header row to the columns; every unknown, repeated or missing column is an
    error (row 1), reported before any data row is read."""
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    errors: list[RowError] = []
    for index, cell in enumerate(cells):
        written, key = values.text(cell), normalise_header(cell)
        if not key or key in IGNORED_HEADERS:
            continue
        name = _NAME_BY_HEADER.get(key)
        if name is None:
            errors.append(RowError(HEADER_ROW, written, "unknown_column", _unknown(written, key)))
        elif name in positions:
            errors.append(RowError(HEADER_ROW, written, "duplicate_column", msg(
                "column '{typed}' repeats '{first}' (both mean {name})", typed=written,
                first=labels[name], name=name)))
        else:
            positions[name], labels[name] = index, written
    for name in REQUIRED_COLUMNS:
        if name not in positions:
            aliases = ", ".join(COLUMN_BY_NAME[name].aliases[:3])
            errors.append(RowError(HEADER_ROW, name, "missing_column", msg(
                "required column {name} is missing (also accepted: {aliases})", name=name,
                aliases=aliases)))
    return Layout(positions, labels), errors


def _unknown(written: str, key: str) -> Message:
    close = difflib.get_close_matches(key, list(_NAME_BY_HEADER), n=1, cutoff=0.75)
    if close:
        return msg("unknown column '{typed}'; did you mean '{close}'?", typed=written,
                   close=close[0])
    return msg("unknown column '{typed}'; see docs/import.md for the columns", typed=written)


def example_row(region: str) -> dict[str, str]:
    """A valid head-of-household row for a desa of ``region`` (a kab/kota), for templates."""
    desa = next(regions().descendants(region, RegionLevel.DESA)).code
    kecamatan = desa.rsplit(".", 1)[0]
    born = dt.date(1980, 5, 17)
    row = {c.name: c.example for c in COLUMNS}
    row.update(kk_number=make_kk(kecamatan, dt.date(2015, 3, 4), 1), desa_code=desa,
               nik=make_nik(kecamatan, born, Sex.MALE, 1), birth_date=born.isoformat())
    return row
