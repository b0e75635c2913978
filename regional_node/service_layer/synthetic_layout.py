"""Where a region's synthetic households live: its real desa, each with a relative size, a
site inside the regency boundary and a few street or hamlet names.

The layout depends on the region code only (never on the seed or the clock), so a desa sits in
the same place whatever the seed. It is computed once per region and process. A site's
``spread`` is smaller than its distance to the boundary, so every point drawn within the
spread lies inside the regency without a polygon test.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass

from regional_node.service_layer.synthetic_names import HAMLETS, STREETS
from schema.geo import Boundary, boundary
from schema.regions import RegionLevel, compact, regions

PERSONS_PER_HOUSEHOLD = 3.5
_ROUNDING_MARGIN = 2e-6  # degrees; coordinates are rounded to 6 decimals


@dataclass(frozen=True, slots=True)
class DesaSite:
    code: str
    kecamatan_code: str
    kecamatan_digits: str  # "327301": the prefix of NIK and KK numbers issued there
    urban: bool  # a kelurahan (1xxx), or any desa of a kota
    weight: float  # relative number of households
    latitude: float
    longitude: float
    spread: float  # half-width in degrees of the square households are drawn from
    streets: tuple[str, ...]
    rw_count: int


@dataclass(frozen=True, slots=True)
class RegionLayout:
    code: str
    name: str
    province_code: str
    population: int
    desa: tuple[DesaSite, ...]  # ordered by code, so kecamatan by kecamatan

    @property
    def household_count(self) -> int:
        """The region's households estimated from its population (3.5 people each)."""
        return max(1, round(self.population / PERSONS_PER_HOUSEHOLD))

    def allocate(self, households: int) -> list[int]:
        """Households per desa (in ``desa`` order), proportional to the weights, summing to
        exactly ``households`` (largest remainders)."""
        total = sum(site.weight for site in self.desa)
        shares = [households * site.weight / total for site in self.desa]
        counts = [int(share) for share in shares]
        by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
        for i in by_remainder[:households - sum(counts)]:
            counts[i] += 1
        return counts


@functools.cache
def region_layout(kabkota_code: str) -> RegionLayout:
    """The layout of a kab/kota; raises InvalidRegionCode for anything else."""
    directory = regions()
    region = directory.require(kabkota_code, level=RegionLevel.KABKOTA)
    _, _, population = directory.population(kabkota_code)
    area = boundary(kabkota_code)
    rng = random.Random(f"siks-layout:{kabkota_code}")
    is_kota = region.name.startswith("Kota")
    kecamatan = sorted(directory.children(kabkota_code), key=lambda r: r.code)
    desa_total = sum(len(directory.children(k.code)) for k in kecamatan)
    cell = _cell_size(area, max(1, len(kecamatan)))
    desa_cell = _cell_size(area, max(1, desa_total))
    sites = []
    for kec in kecamatan:
        kec_point = area.random_point(rng) if area is not None else (0.0, 0.0)
        for desa in sorted(directory.children(kec.code), key=lambda r: r.code):
            lat, lon = _near(area, kec_point, cell, rng)
            urban = is_kota or desa.code.rsplit(".", 1)[1].startswith("1")
            weight = rng.lognormvariate(0.0, 0.45) * (1.6 if urban else 1.0)
            spread = 0.0
            if area is not None:
                # a square of half-width s fits in the disc of radius s·√2 around the site
                clearance = _distance_to_edge(area, lat, lon) / math.sqrt(2)
                spread = max(0.0, min(desa_cell / 2, clearance) - _ROUNDING_MARGIN)
            names = STREETS if urban else HAMLETS
            streets = tuple(rng.sample(names, rng.randint(3, 8)))
            sites.append(DesaSite(desa.code, kec.code, compact(kec.code), urban, weight,
                                  lat, lon, spread, streets, rng.randint(2, 15)))
    return RegionLayout(kabkota_code, region.name, kabkota_code[:2], population, tuple(sites))


def _cell_size(area: Boundary | None, parts: int) -> float:
    """Side (degrees) of a square with 1/parts of the regency's area."""
    if area is None:
        return 0.0
    return math.sqrt(_area(area) / parts)


def _area(area: Boundary) -> float:
    total = 0.0
    for polygon in area.polygons:
        outer, *holes = polygon
        total += abs(_shoelace(outer)) - sum(abs(_shoelace(hole)) for hole in holes)
    return max(total, 1e-9)


def _shoelace(ring: list[tuple[float, float]]) -> float:
    return 0.5 * sum(x1 * y2 - x2 * y1
                     for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))


def _near(area: Boundary | None, centre: tuple[float, float], cell: float,
          rng: random.Random) -> tuple[float, float]:
    """A point inside the regency near ``centre`` (a desa near its kecamatan's centre)."""
    if area is None:
        return centre
    for _ in range(50):
        lat = round(centre[0] + rng.uniform(-cell / 2, cell / 2), 6)
        lon = round(centre[1] + rng.uniform(-cell / 2, cell / 2), 6)
        if area.contains(lat, lon):
            return lat, lon
    return centre if area.contains(*centre) else area.random_point(rng)


def _distance_to_edge(area: Boundary, lat: float, lon: float) -> float:
    """Distance (degrees, planar) from a point to the nearest edge of any ring."""
    best = math.inf
    for polygon in area.polygons:
        for ring in polygon:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
                best = min(best, _segment_distance(lon, lat, x1, y1, x2, y2))
    return best


def _segment_distance(px: float, py: float, x1: float, y1: float, x2: float, y2: float
                      ) -> float:
    dx, dy = x2 - x1, y2 - y1
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - x1) * dx + (py - y1) * dy) / length2))
    return math.hypot(px - (x1 + t * dx), py - (y1 + t * dy))
