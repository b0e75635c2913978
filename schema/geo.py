"""Regency (kab/kota) boundaries: is a point inside, and random points inside for seeding.

Boundaries are MultiPolygons in lon/lat (5 decimals), shipped gzipped, loaded on first use.
"""

from __future__ import annotations

import functools
import gzip
import json
import random
from dataclasses import dataclass, field
from importlib import resources

Ring = list[tuple[float, float]]  # (lon, lat)


@dataclass(frozen=True, slots=True)
class Boundary:
    code: str
    name: str
    reference_point: tuple[float, float]  # (lat, lon)
    polygons: tuple[tuple[Ring, ...], ...]  # each: outer ring, then holes
    bbox: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat
    # each ring's edges by band of latitude, as polygons holds the rings (built from them)
    banded: tuple[tuple[_Bands, ...], ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.banded:
            object.__setattr__(self, "banded", tuple(
                tuple(_bands(ring) for ring in polygon) for polygon in self.polygons))

    def contains(self, lat: float, lon: float) -> bool:
        min_lon, min_lat, max_lon, max_lat = self.bbox
        if not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
            return False
        for outer, *holes in self.banded:
            if _in_bands(outer, lon, lat) and not any(_in_bands(hole, lon, lat)
                                                        for hole in holes):
                return True
        return False

    def random_point(self, rng: random.Random, attempts: int = 10_000) -> tuple[float, float]:
        """A (lat, lon) inside the boundary, drawn uniformly over its area."""
        min_lon, min_lat, max_lon, max_lat = self.bbox
        for _ in range(attempts):
            lat, lon = rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon)
            if self.contains(lat, lon):
                return round(lat, 6), round(lon, 6)
        return self.reference_point


Edge = tuple[float, float, float, float]  # xi, yi, xj, yj: from point i to point j


@dataclass(frozen=True, slots=True)
class _Bands:
    """A ring's edges sorted into horizontal bands. The even-odd ray cast counts the edges
    whose latitude span holds the point's (``(yi > y) != (yj > y)``); every such edge is in the
    point's band, so testing that band's edges alone, with the same arithmetic, gives the same
    answer as walking the whole ring (a regency's outline has up to ~16,000 points)."""

    low: float
    height: float
    edges: tuple[tuple[Edge, ...], ...]  # by band, from ``low`` up


def _bands(ring: Ring) -> _Bands:
    ys = [y for _, y in ring] or [0.0]
    low, count = min(ys), max(1, len(ring) // 4)
    height = (max(ys) - low) / count or 1.0
    bands: list[list[Edge]] = [[] for _ in range(count)]
    j = len(ring) - 1
    for i in range(len(ring)):
        (xi, yi), (xj, yj) = ring[i], ring[j]
        first = _band(min(yi, yj), low, height, count)
        for band in range(first, _band(max(yi, yj), low, height, count) + 1):
            bands[band].append((xi, yi, xj, yj))
        j = i
    return _Bands(low, height, tuple(map(tuple, bands)))


def _band(y: float, low: float, height: float, count: int) -> int:
    # monotonic in y (each float step rounds monotonically): an edge spanning y is filed
    # under y's band
    return min(count - 1, max(0, int((y - low) / height)))


def _in_bands(bands: _Bands, x: float, y: float) -> bool:
    """Whether (x, y) is inside the ring ``bands`` was built from (even-odd ray cast)."""
    edges = bands.edges
    inside = False
    for xi, yi, xj, yj in edges[_band(y, bands.low, bands.height, len(edges))]:
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
    return inside


def _boundary(feature: dict) -> Boundary:
    props = feature["properties"]
    polygons = tuple(
        tuple([(float(p[0]), float(p[1])) for p in ring] for ring in polygon)
        for polygon in feature["geometry"]["coordinates"]
    )
    xs = [p[0] for polygon in polygons for p in polygon[0]]
    ys = [p[1] for polygon in polygons for p in polygon[0]]
    return Boundary(
        code=props["code"],
        name=props["name"],
        reference_point=(float(props["lat"]), float(props["lng"])),
        polygons=polygons,
        bbox=(min(xs), min(ys), max(xs), max(ys)),
    )


@functools.cache
def _features() -> dict[str, dict[str, object]]:
    collection = json.loads(_geojson_text())
    return {feature["properties"]["code"]: feature for feature in collection["features"]}


@functools.cache
def _geojson_text() -> str:
    raw = resources.files("schema").joinpath("data", "kabkota_boundaries.geojson.gz").read_bytes()
    return gzip.decompress(raw).decode("utf-8")


def _feature(kabkota_code: str) -> dict[str, object] | None:
    """One regency's feature, parsed alone where the file has it (parsing all 514 takes
    ~0.15 s, a delay before an import's first households are checked); else from them all."""
    text = _geojson_text()
    start = text.find('{"type":"Feature","properties":{"code":' + json.dumps(kabkota_code) + ",")
    if start >= 0:
        try:
            feature, _ = json.JSONDecoder().raw_decode(text, start)
        except ValueError:
            feature = None
        if isinstance(feature, dict) and feature.get("properties", {}).get(
                "code") == kabkota_code:
            return feature
    return _features().get(kabkota_code)


@functools.cache
def boundary(kabkota_code: str) -> Boundary | None:
    # built on first use: a node needs its own regency, not all 514 (half the load time)
    feature = _feature(kabkota_code)
    return None if feature is None else _boundary(feature)
