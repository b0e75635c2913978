"""Helpers for field-verification tests: real JPEGs made with Pillow (with or without EXIF GPS),
the photo upload over HTTP with a real token, and the recordFieldVerification mutation."""

from __future__ import annotations

import io
import uuid
from typing import Any, Protocol

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from schema.roles import Principal
from tests.node.helpers import token_for

BANDUNG = (-6.9192, 107.6366)  # Kota Bandung (32.73), near its reference point
BANDUNG_330M_EAST = (-6.9192, 107.6396)  # inside the city, ~331 m from BANDUNG
BANDUNG_50M_EAST = (-6.9192, 107.63705)  # ~50 m from BANDUNG
JAKARTA = (-6.1754, 106.8272)  # Monas, DKI Jakarta: outside the regency
UPLOAD_HEADERS = {"X-SIKS-Upload": "photo", "Content-Type": "image/jpeg"}


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return IFDRational(degrees), IFDRational(minutes), IFDRational(seconds)


def jpeg(*, gps: tuple[float, float] | None = None, seed: int = 0,
         taken_at: str | None = "2026:11:20 10:11:12", size: tuple[int, int] = (96, 64)) -> bytes:
    """A real JPEG; ``seed`` varies its pixels (and so its hash); ``gps`` writes EXIF GPS."""
    image = Image.new("RGB", size, (seed * 37 % 256, seed * 91 % 256, 120))
    exif = Image.Exif()
    if taken_at is not None:
        exif[ExifTags.Base.DateTimeOriginal] = taken_at
    if gps is not None:
        latitude, longitude = gps
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "S" if latitude < 0 else "N",
            ExifTags.GPS.GPSLatitude: _dms(latitude),
            ExifTags.GPS.GPSLongitudeRef: "W" if longitude < 0 else "E",
            ExifTags.GPS.GPSLongitude: _dms(longitude),
        }
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


async def post_photo(client: TestClient, principal: Principal | None, content: bytes, *,
                     headers: dict[str, str] | None = None) -> ClientResponse:
    sent = dict(UPLOAD_HEADERS)
    if principal is not None:
        sent["Authorization"] = f"Bearer {token_for(client, principal)}"
    sent.update(headers or {})
    return await client.post("/uploads/photo", data=content, headers=sent)


async def upload(client: TestClient, principal: Principal, content: bytes) -> dict[str, Any]:
    response = await post_photo(client, principal, content)
    assert response.status in (200, 201), await response.text()
    body: dict[str, Any] = await response.json()
    return body


VERIFICATION_FIELDS = """id period householdId proposalId desaCode
  position { latitude longitude } distanceFromPhotoM flags flagged note verifiedBy verifiedRole
  photo { sha256 sizeBytes width height exifPosition { latitude longitude } exifTakenAt url }"""
RECORD = f"""mutation($input: FieldVerificationInput!) {{
  recordFieldVerification(input: $input) {{ {VERIFICATION_FIELDS} }} }}"""


class Caller(Protocol):
    client: TestClient

    async def call(self, principal: Principal, query: str,
                   **variables: Any) -> dict[str, Any]: ...


def visit_input(photo: str, at: tuple[float, float], *, household_id: int | None = None,
                proposal_id: str | None = None, vid: str | None = None,
                note: str | None = None) -> dict[str, Any]:
    return {"id": vid or str(uuid.uuid4()), "photoSha256": photo, "latitude": at[0],
            "longitude": at[1], "householdId": str(household_id) if household_id else None,
            "proposalId": proposal_id, "note": note}


async def field_visit(node: Caller, principal: Principal, *, proposal_id: str | None = None,
                      household_id: int | None = None, at: tuple[float, float] = BANDUNG,
                      seed: int = 0) -> dict[str, Any]:
    """Upload a geotagged house photo and record the visit, as the pendamping's phone does."""
    photo = await upload(node.client, principal, jpeg(gps=at, seed=seed))
    body = await node.call(principal, RECORD, input=visit_input(
        photo["sha256"], at, proposal_id=proposal_id, household_id=household_id))
    assert "errors" not in body, body
    recorded: dict[str, Any] = body["data"]["recordFieldVerification"]
    return recorded
