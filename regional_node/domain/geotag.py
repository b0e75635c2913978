"""Where a field verification was made, and what is suspicious about it.

A pendamping's phone submits the house's coordinates with a photo. The photo may carry its own
GPS position (EXIF). :func:`assess_location` compares the two and the regency boundary and
returns *flags*: a flagged verification is stored all the same (the field visit happened; Dinas
Sosial decides), but the flags travel with it to approval and into the coverage report.

Pure: no database, no files, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from schema.errors import InvalidInput
from schema.geo import Boundary

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
DEFAULT_MAX_DISTANCE_M = 200.0
"""How far the submitted point may lie from the photo's own GPS position before it is flagged:
phone GPS is good to 5–20 m outdoors, worse under roofs and in narrow gang; 200 m leaves room
for that and still catches a photo taken elsewhere."""


class GeotagFlag(StrEnum):
    OUTSIDE_REGENCY = "OUTSIDE_REGENCY"  # the submitted point is outside this kab/kota
    FAR_FROM_PHOTO = "FAR_FROM_PHOTO"  # the submitted point is far from the photo's EXIF GPS
    PHOTO_WITHOUT_GPS = "PHOTO_WITHOUT_GPS"  # the photo carries no (usable) EXIF GPS position
    PHOTO_REUSED = "PHOTO_REUSED"  # the same photo already backs another verification


@dataclass(frozen=True, slots=True)
class GeoPoint:
    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        for name, value, limit in (("latitude", self.latitude, 90.0),
                                   ("longitude", self.longitude, 180.0)):
            if not math.isfinite(value) or not -limit <= value <= limit:
                raise InvalidInput(f"{name} {value} is not between -{limit:g} and {limit:g}",
                                   reason="out_of_range", field=name)


def distance_m(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance in metres (haversine; plenty for a few hundred metres)."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    d_lat = lat2 - lat1
    d_lon = math.radians(b.longitude - a.longitude)
    h = math.sin(d_lat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(d_lon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class LocationAssessment:
    flags: tuple[GeotagFlag, ...]
    distance_from_photo_m: float | None  # None: the photo has no GPS position


def assess_location(submitted: GeoPoint, photo_position: GeoPoint | None,
                    regency: Boundary | None, *, max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
                    photo_reused: bool = False) -> LocationAssessment:
    """Flags for a verification at ``submitted`` with a photo taken at ``photo_position``.

    ``regency`` is the node's kab/kota boundary; without one (no boundary data for the
    region) the inside/outside check cannot be made and nothing is flagged for it.
    """
    if not max_distance_m > 0:
        raise InvalidInput("the distance threshold must be positive", reason="out_of_range",
                           field="max_distance_m")
    flags: list[GeotagFlag] = []
    if regency is not None and not regency.contains(submitted.latitude, submitted.longitude):
        flags.append(GeotagFlag.OUTSIDE_REGENCY)
    distance = None
    if photo_position is None:
        flags.append(GeotagFlag.PHOTO_WITHOUT_GPS)
    else:
        distance = distance_m(submitted, photo_position)
        if distance > max_distance_m:
            flags.append(GeotagFlag.FAR_FROM_PHOTO)
    if photo_reused:
        flags.append(GeotagFlag.PHOTO_REUSED)
    return LocationAssessment(tuple(flags), distance)


def flag_names(flags: Iterable[GeotagFlag]) -> list[str]:
    return [flag.value for flag in flags]
