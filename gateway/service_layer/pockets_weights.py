"""Contiguity between kab/kota for the national poverty pockets (docs/pockets.md).

Queen contiguity (two regencies are neighbours when their boundaries share at least one
vertex) derived with ``libpysal`` from the polygons shipped in
``schema/data/kabkota_boundaries.geojson.gz``. A regency with no queen neighbour (an island
regency such as Kepulauan Seribu or Simeulue, 36 of the 514) is given its nearest regency
(by the distance between their representative points) as its one neighbour, both ways, so
that every region takes part in the statistic; a pocket flagged on such a link says so in
its reason.

Deriving the weights takes about two seconds, so they are derived once per boundary file:
kept in the process, keyed by the file's SHA-256, and written as JSON to ``cache_dir`` when
one is given (read back by the next process). The heavy libraries are imported inside the
functions that use them, never when this module is imported.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Contiguity:
    """Each kab/kota's neighbours; ``nearest``: the ones with a nearest-regency link (an
    island linked to its nearest regency, and that regency)."""

    boundary_sha256: str
    neighbours: dict[str, tuple[str, ...]]
    nearest: frozenset[str]

    def restricted(self, codes: set[str]) -> Contiguity:
        """The links among ``codes`` only (the regions with data); a region left with no
        neighbour among them gets its nearest one among them (by the shipped points)."""
        kept = {c: tuple(n for n in self.neighbours[c] if n in codes)
                for c in sorted(codes) if c in self.neighbours}
        lonely = {c for c, n in kept.items() if not n}
        linked = set(lonely)
        if lonely and len(kept) > 1:
            points = _points()
            links = {c: set(n) for c, n in kept.items()}
            for code in sorted(lonely):
                near = _nearest(code, [c for c in kept if c != code], points)
                links[code].add(near)
                links[near].add(code)
                linked.add(near)
            kept = {c: tuple(sorted(n)) for c, n in links.items()}
        return Contiguity(self.boundary_sha256, kept,
                          frozenset(c for c in kept if c in self.nearest) | frozenset(linked))


def boundary_bytes() -> bytes:
    return resources.files("schema").joinpath("data", "kabkota_boundaries.geojson.gz").read_bytes()


def contiguity(cache_dir: Path | None = None) -> Contiguity:
    raw = boundary_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    cached = cache_dir / f"kabkota-queen-{digest[:16]}.json" if cache_dir else None
    if cached is not None and cached.is_file():
        document = json.loads(cached.read_text("utf-8"))
        if document.get("boundary_sha256") == digest:
            return Contiguity(digest, {c: tuple(n) for c, n in document["neighbours"].items()},
                              frozenset(document["nearest"]))
    found = _derived(digest)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps({"boundary_sha256": digest,
                                      "neighbours": found.neighbours,
                                      "nearest": sorted(found.nearest)}), "utf-8")
    return found


@functools.cache
def _derived(digest: str) -> Contiguity:
    import warnings

    from libpysal.weights import Queen
    from shapely.geometry import shape

    features = _features()
    codes = [f["properties"]["code"] for f in features]
    geometries = [shape(f["geometry"]) for f in features]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "not fully connected": the islands, handled below
        queen = Queen.from_iterable(geometries, ids=codes)
    links = {code: set(queen.neighbors[code]) for code in codes}
    points = _points()
    islands = sorted(code for code in codes if not links[code])
    linked = set(islands)
    for code in islands:
        near = _nearest(code, [c for c in codes if c != code], points)
        links[code].add(near)
        links[near].add(code)
        linked.add(near)
    return Contiguity(digest, {c: tuple(sorted(links[c])) for c in codes}, frozenset(linked))


@functools.cache
def _features() -> list[dict]:
    return json.loads(gzip.decompress(boundary_bytes()))["features"]


@functools.cache
def _points() -> dict[str, tuple[float, float]]:
    """Each regency's representative point (lat, lon), as the boundary file gives it."""
    return {f["properties"]["code"]: (float(f["properties"]["lat"]), float(f["properties"]["lng"]))
            for f in _features()}


def _nearest(code: str, others: list[str], points: dict[str, tuple[float, float]]) -> str:
    lat, lon = points[code]
    scale = math.cos(math.radians(lat))
    return min(others, key=lambda o: (math.hypot(points[o][0] - lat,
                                                 (points[o][1] - lon) * scale), o))
