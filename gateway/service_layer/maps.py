"""Targeting indicators on a map (docs/targeting.md): GeoJSON of every indicator per kab/kota
with the regency boundaries the package ships (``schema.geo``), and the projection the
choropleth (:mod:`gateway.service_layer.map_render`) draws with.

The projection is equirectangular, x scaled by the cosine of the extent's middle latitude:
at Indonesia's latitudes (11° S to 6° N) areas are off by under 2 %, plenty for a report's
choropleth, and no projection library is needed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from schema.errors import InvalidInput
from schema.geo import Boundary, boundary
from schema.regions import RegionLevel, regions
from schema.targeting import (
    RegionTargeting,
    indicator_names,
    published_count,
    published_rate,
    rate,
)

BBox = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat


def check_indicator(name: str) -> str:
    if name not in indicator_names():
        raise InvalidInput(f"indikator {name!r} tidak dikenal / unknown indicator {name!r} "
                           f"(one of {', '.join(indicator_names())})", reason="indicator",
                           field="indicator")
    return name


def indicator_values(row: RegionTargeting, *, withheld: bool) -> dict[str, Any]:
    """Every indicator of a kab/kota row, and the counts behind them (None: withheld from the
    public, or a rate with no denominator)."""
    count = published_count if withheld else (lambda n: n)
    ratio = published_rate if withheld else rate
    values: dict[str, Any] = {
        "households": count(row.households), "households_no_desil": count(row.no_desil),
        "poorest_households": count(row.poorest), "exclusion_errors": count(row.unserved),
        "exclusion_error": ratio(row.unserved, row.poorest)}
    for name, p in sorted(row.programs.items()):
        values[f"inclusion_error.{name}"] = ratio(p.inclusion_errors,
                                                  p.recipients - p.recipients_no_desil)
        values[f"coverage.{name}"] = ratio(p.eligible_recipients, p.eligible_households)
        values[f"recipients.{name}"] = count(p.recipients)
    return values


def geometry(found: Boundary) -> dict[str, Any]:
    return {"type": "MultiPolygon",
            "coordinates": [[[list(point) for point in ring] for ring in polygon]
                            for polygon in found.polygons]}


def feature_collection(rows: Iterable[RegionTargeting], period: str, *, withheld: bool,
                       indicator: str | None = None) -> dict[str, Any]:
    """One feature per kab/kota row whose boundary the package has; ``indicator``: also as
    the ``value`` property (what a client colours by)."""
    features = []
    for row in rows:
        found = boundary(row.region or "")
        if found is None:
            continue
        values = indicator_values(row, withheld=withheld)
        properties: dict[str, Any] = {"code": found.code, "name": found.name, "period": period,
                                      **values}
        if indicator is not None:
            properties["indicator"] = indicator
            properties["value"] = values[indicator]
        features.append({"type": "Feature", "properties": properties,
                         "geometry": geometry(found)})
    return {"type": "FeatureCollection", "features": features}


@dataclass(frozen=True, slots=True)
class Projection:
    """lon/lat → pixels of a ``width`` × ``height`` drawing area at (``left``, ``top``)."""

    extent: BBox
    scale: float  # pixels per degree of latitude
    x_factor: float  # cos(middle latitude)
    left: float
    top: float

    @classmethod
    def fit(cls, extent: BBox, width: int, height: int, *, left: int = 0, top: int = 0,
            margin: int = 10) -> Projection:
        min_lon, min_lat, max_lon, max_lat = extent
        x_factor = math.cos(math.radians((min_lat + max_lat) / 2))
        span_x = max((max_lon - min_lon) * x_factor, 1e-6)
        span_y = max(max_lat - min_lat, 1e-6)
        scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
        used_x, used_y = span_x * scale, span_y * scale  # centred in the area
        return cls(extent, scale, x_factor, left + (width - used_x) / 2,
                   top + (height - used_y) / 2)

    def pixel(self, lon: float, lat: float) -> tuple[float, float]:
        min_lon, _, _, max_lat = self.extent
        return (self.left + (lon - min_lon) * self.x_factor * self.scale,
                self.top + (max_lat - lat) * self.scale)

    def ring(self, ring: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
        return [self.pixel(lon, lat) for lon, lat in ring]


def union(boxes: Iterable[BBox]) -> BBox:
    found = list(boxes)
    return (min(b[0] for b in found), min(b[1] for b in found),
            max(b[2] for b in found), max(b[3] for b in found))


def overlaps(a: BBox, b: BBox) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def kabkota_boundaries(within: BBox) -> Iterator[Boundary]:
    """Every regency whose bounding box meets ``within`` (the neighbours drawn in grey)."""
    for region in regions().all(RegionLevel.KABKOTA):
        found = boundary(region.code)
        if found is not None and overlaps(found.bbox, within):
            yield found
