"""The region picker of the public's forms: province, kab/kota, kecamatan and desa chosen by
name, each list from the gateway's public region queries (one GraphQL operation, the lists
below a choice included only once it is made; no node is asked)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from service_kit.web.pages import Outcome, run

LEVELS = ("provinsi", "kabkota", "kecamatan", "desa")
LABELS = {"provinsi": "Province", "kabkota": "Kab/kota", "kecamatan": "Kecamatan",
          "desa": "Desa/kelurahan"}

REGION_LISTS = """query Wilayah($provinsi: String!, $kabkota: String!, $kecamatan: String!,
    $withKabkota: Boolean!, $withKecamatan: Boolean!, $withDesa: Boolean!) {
  provinces { code name served }
  kabkotas(province: $provinsi) @include(if: $withKabkota) { code name served }
  kecamatans(kabkota: $kabkota) @include(if: $withKecamatan) { code name served }
  desas(kecamatan: $kecamatan) @include(if: $withDesa) { code name served }
}"""


@dataclass(frozen=True)
class Level:
    name: str
    label: str
    options: list[dict[str, Any]]
    chosen: str


@dataclass(frozen=True)
class Picker:
    levels: list[Level]
    outcome: Outcome

    @property
    def desa(self) -> str:
        """The chosen desa's code, or '' until all four are chosen."""
        return self.levels[-1].chosen if len(self.levels) == len(LEVELS) else ""

    def name_of(self, code: str) -> str:
        for level in self.levels:
            for option in level.options:
                if option["code"] == code:
                    return str(option["name"])
        return code


def chosen_codes(params: Mapping[str, Any]) -> dict[str, str]:
    """The choices that still fit together: a kab/kota inside the province, and so on (a
    changed province drops the choices below it)."""
    chosen: dict[str, str] = {}
    parent = ""
    for level in LEVELS:
        value = str(params.get(level) or "").strip()
        if not value or (parent and not value.startswith(parent + ".")) or \
                (level != "provinsi" and not parent):
            break
        chosen[level] = parent = value
    return chosen


async def picker(request: web.Request, params: Mapping[str, Any]) -> Picker:
    chosen = chosen_codes(params)
    outcome = await run(request, REGION_LISTS, provinsi=chosen.get("provinsi", ""),
                        kabkota=chosen.get("kabkota", ""),
                        kecamatan=chosen.get("kecamatan", ""),
                        withKabkota="provinsi" in chosen, withKecamatan="kabkota" in chosen,
                        withDesa="kecamatan" in chosen)
    data = outcome.data or {}
    lists = {"provinsi": data.get("provinces"), "kabkota": data.get("kabkotas"),
             "kecamatan": data.get("kecamatans"), "desa": data.get("desas")}
    levels = []
    for level in LEVELS:
        options = lists[level]
        if options is None:
            break
        codes = {option["code"] for option in options}
        value = chosen.get(level, "")
        levels.append(Level(level, LABELS[level], options, value if value in codes else ""))
        if value not in codes:
            break
    return Picker(levels, outcome)
