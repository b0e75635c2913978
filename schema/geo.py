"""Regency (kab/kota) boundaries: is a point inside, and random points inside for seeding.

Boundaries are MultiPolygons in lon/lat (5 decimals), shipped gzipped, loaded on first use.
"""

from __future__ import annotations

import functools
import gzip
import json
import random
from dataclasses import dataclass
from importlib import resources

Ring = list[tuple[float, float]]  # (lon, lat)


@dataclass(frozen=True, slots=True)
class Boundary:
    code: str
    name: str
    reference_point: tuple[float, float]  # (lat, lon)
    polygons: tuple[tuple[Ring, ...], ...]  # each: outer ring, then holes
    bbox: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat

    def contains(self, lat: float, lon: float) -> bool:
        min_lon, min_lat, max_lon, max_lat = self.bbox
        if not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
            return False
        return any(_in_polygon(polygon, lon, lat) for polygon in self.polygons)

    def random_point(self, rng: random.Random, attempts: int = 10_000) -> tuple[float, float]:
        """A (lat, lon) inside the boundary, drawn uniformly over its area."""
        min_lon, min_lat, max_lon, max_lat = self.bbox
        for _ in range(attempts):
            lat, lon = rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon)
            if self.contains(lat, lon):
                return round(lat, 6), round(lon, 6)
        return self.reference_point


def _in_ring(ring: Ring, x: float, y: float) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _in_polygon(polygon: tuple[Ring, ...], x: float, y: float) -> bool:
    outer, *holes = polygon
    return _in_ring(outer, x, y) and not any(_in_ring(hole, x, y) for hole in holes)


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
    raw = resources.files("schema").joinpath("data", "kabkota_boundaries.geojson.gz").read_bytes()
    collection = json.loads(gzip.decompress(raw))
    return {feature["properties"]["code"]: feature for feature in collection["features"]}


@functools.cache
def boundary(kabkota_code: str) -> Boundary | None:
    # built on first use: a node needs its own regency, not all 514 (half the load time)
    feature = _features().get(kabkota_code)
    return None if feature is None else _boundary(feature)
