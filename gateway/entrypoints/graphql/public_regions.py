"""cekbansos at the gateway, step one: the public chooses its desa by NAME. Provinces, the
kab/kota of a province, the kecamatan of a kab/kota and the desa of a kecamatan, from the
Kemendagri table shipped in ``schema/regions.py`` (no node is asked), open to everyone.
``served`` says whether a node is registered for the region, so a citizen is not sent to a
search no node can answer."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from gateway.entrypoints.graphql.context import GatewayContext
from schema.errors import InvalidRegionCode
from schema.regions import Region as RegionRow
from schema.regions import RegionLevel, is_within, regions


@strawberry.type(description="A province, kab/kota, kecamatan or desa (Kemendagri code and "
                             "name)")
class Region:
    code: str
    name: str
    served: bool = strawberry.field(description="A regional node is registered for it (for a "
                                                "province: for one of its kab/kota), so the "
                                                "public search can answer")


def _listed(info: Info[GatewayContext, None], rows: list[RegionRow]) -> list[Region]:
    registered = info.context.services.registry.regions()
    return [Region(code=r.code, name=r.name,
                   served=any(is_within(k, r.code) or is_within(r.code, k) for k in registered))
            for r in sorted(rows, key=lambda r: r.code)]


def _children(parent: str, level: RegionLevel, field: str) -> list[RegionRow]:
    try:
        regions().require(parent, level=level)
    except InvalidRegionCode as error:  # malformed, unknown or of another level
        raise InvalidRegionCode(error.message, reason=error.reason, field=field) from None
    return regions().children(parent)


def provinces(info: Info[GatewayContext, None]) -> list[Region]:
    return _listed(info, list(regions().all(RegionLevel.PROVINSI)))


def kabkotas(info: Info[GatewayContext, None], province: str) -> list[Region]:
    return _listed(info, _children(province, RegionLevel.PROVINSI, "province"))


def kecamatans(info: Info[GatewayContext, None], kabkota: str) -> list[Region]:
    return _listed(info, _children(kabkota, RegionLevel.KABKOTA, "kabkota"))


def desas(info: Info[GatewayContext, None], kecamatan: str) -> list[Region]:
    return _listed(info, _children(kecamatan, RegionLevel.KECAMATAN, "kecamatan"))
