"""Regency boundaries: the banded point-in-polygon test answers as walking every edge does."""

from __future__ import annotations

import random

from schema.geo import Ring, _feature, _features, boundary


def _in_ring(ring: Ring, x: float, y: float) -> bool:
    """The even-odd ray cast over every edge of the ring: what the banded test must equal."""
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


def test_banded_contains_answers_as_the_whole_ring_does() -> None:
    rng = random.Random(5)
    codes = sorted(_features())
    for code in [*rng.sample(codes, 20), "32.73", max(codes, key=_size)]:
        area = boundary(code)
        assert area is not None
        min_lon, min_lat, max_lon, max_lat = area.bbox
        points = [(rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon))
                  for _ in range(100)]
        # the outline's own vertices and points on its bands' edges are the hard cases
        vertices = [(lat, lon) for polygon in area.polygons for ring in polygon
                    for lon, lat in ring]
        points += rng.sample(vertices, min(len(vertices), 100))
        points += [(min_lat, min_lon), (max_lat, max_lon), (min_lat - 1, min_lon)]
        for lat, lon in points:
            plain = (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat) and any(
                _in_polygon(polygon, lon, lat) for polygon in area.polygons)
            assert area.contains(lat, lon) == plain, (code, lat, lon)


def _size(code: str) -> int:
    coordinates = _features()[code]["geometry"]["coordinates"]  # type: ignore[index]
    return sum(len(ring) for polygon in coordinates for ring in polygon)


def test_a_regency_parsed_alone_is_the_one_in_the_whole_file() -> None:
    features = _features()
    for code in [*sorted(features)[::37], "32.73"]:
        assert _feature(code) == features[code]
    assert _feature("99.99") is None
