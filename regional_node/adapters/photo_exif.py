"""Read a house photo: is it a whole JPEG, how big, and where and when does its EXIF say it was
taken. Pillow parses the file and its EXIF; this module only turns the GPS degrees, minutes and
seconds into a signed decimal position.

A photo that is not a JPEG, is truncated or corrupt, or is absurdly large in pixels is refused
with ``INVALID_INPUT`` (reason ``not_jpeg``, ``corrupt`` or ``too_many_pixels``). A photo
without a usable GPS position is *not* refused: it gets ``position=None`` and the verification
is flagged.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PIL import ExifTags, Image, UnidentifiedImageError

from regional_node.domain.geotag import GeoPoint
from schema.errors import InvalidInput

MAX_PIXELS = 50_000_000  # 50 MP: any phone camera; far below a decompression bomb
JPEG_MAGIC = b"\xff\xd8\xff"


@dataclass(frozen=True, slots=True)
class PhotoFacts:
    width: int
    height: int
    position: GeoPoint | None  # EXIF GPS, None when absent or unusable
    taken_at: str | None  # EXIF DateTimeOriginal as ISO 8601 without zone (the camera's clock)


def read_photo(content: bytes) -> PhotoFacts:
    """Check ``content`` is one whole JPEG and read its size and EXIF position and time."""
    if not content.startswith(JPEG_MAGIC):
        raise InvalidInput("the photo is not a JPEG file", reason="not_jpeg", field="photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=["JPEG"])
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise InvalidInput(f"the photo has {width}×{height} pixels; at most "
                                   f"{MAX_PIXELS:,} are accepted", reason="too_many_pixels",
                                   field="photo")
            exif = image.getexif()
            # decode at 1/8 scale: cheap, and still reads every byte of the compressed data,
            # so a truncated or corrupt upload is caught here rather than by a viewer later
            image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidInput(f"the photo is not a readable JPEG ({exc})", reason="corrupt",
                           field="photo") from None
    return PhotoFacts(width, height, _position(exif), _taken_at(exif))


def _position(exif: Image.Exif) -> GeoPoint | None:
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except (KeyError, TypeError, ValueError):
        return None
    latitude = _signed_degrees(gps.get(ExifTags.GPS.GPSLatitude),
                               gps.get(ExifTags.GPS.GPSLatitudeRef), "NS")
    longitude = _signed_degrees(gps.get(ExifTags.GPS.GPSLongitude),
                                gps.get(ExifTags.GPS.GPSLongitudeRef), "EW")
    if latitude is None or longitude is None:
        return None
    if latitude == 0.0 and longitude == 0.0:
        return None  # "null island": a phone that had no fix yet
    try:
        return GeoPoint(latitude, longitude)
    except InvalidInput:
        return None


def _signed_degrees(value: Any, ref: Any, hemispheres: str) -> float | None:
    """``(degrees, minutes, seconds)`` and ``N``/``S`` (or ``E``/``W``) to signed degrees."""
    if not isinstance(value, Sequence) or not 1 <= len(value) <= 3:
        return None
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    ref = str(ref or "").strip().rstrip("\x00").upper()
    if ref not in hemispheres:
        return None
    try:
        parts = [float(part) for part in value]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not all(math.isfinite(part) and part >= 0 for part in parts):
        return None
    degrees = sum(part / 60 ** index for index, part in enumerate(parts))
    return -degrees if ref == hemispheres[1] else degrees


def _taken_at(exif: Image.Exif) -> str | None:
    try:
        details: Mapping[int, Any] = exif.get_ifd(ExifTags.IFD.Exif)
    except (KeyError, TypeError, ValueError):
        details = {}
    for raw in (details.get(ExifTags.Base.DateTimeOriginal),
                exif.get(ExifTags.Base.DateTimeOriginal), exif.get(ExifTags.Base.DateTime)):
        text = _exif_time(raw)
        if text is not None:
            return text
    return None


def _exif_time(raw: Any) -> str | None:
    """EXIF ``YYYY:MM:DD HH:MM:SS`` as ISO ``YYYY-MM-DDTHH:MM:SS``; None when malformed."""
    if not isinstance(raw, str):
        return None
    text = raw.strip().rstrip("\x00")
    date, _, time = text.partition(" ")
    pieces = date.split(":")
    if len(pieces) != 3 or not all(p.isdigit() for p in pieces) or len(time) != 8:
        return None
    return f"{'-'.join(pieces)}T{time}"
