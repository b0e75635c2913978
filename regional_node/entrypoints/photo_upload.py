"""House photos over HTTP: ``POST /uploads/photo`` stores one, ``GET /uploads/photo/{sha256}``
serves one back to the region's staff and Kemensos.

The upload body is the JPEG itself (``Content-Type: image/jpeg``), not a form and not base64:
a phone on a poor link sends a third less, and no browser can forge the request from another
site, because it needs ``Authorization: Bearer <token>`` *and* the custom header
``X-SIKS-Upload: photo`` (both force a CORS preflight, which the node never grants). The answer
names the photo by its SHA-256, which ``recordFieldVerification`` then references.

Errors are JSON ``{"errors": [{"message", "extensions": {"code", "reason"?}}]}``: 401 without a
valid token, 403 for a role that may not upload or a missing ``X-SIKS-Upload`` header, 415 for
another content type, 413 for a photo over the size limit, 400 for a photo that is not a whole
JPEG.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import select

from regional_node.adapters.attachment_files import ContentAddressedFiles
from regional_node.adapters.database import Database
from regional_node.adapters.orm import FieldVerification, Photo
from regional_node.adapters.token_trust import default_key_path
from regional_node.config import NodeConfig, node_env
from regional_node.domain.proposals import ProposalScope, covers
from regional_node.entrypoints.http_security import TOKEN_TRUST, error_response
from regional_node.errors import OutOfScope
from regional_node.service_layer.field_verification import (
    DEFAULT_MAX_DISTANCE_M,
    DEFAULT_MAX_PHOTO_BYTES,
    FieldVerificationSettings,
    prepare_photo,
    record_photo,
    require_uploader,
)
from regional_node.service_layer.proposals import actor_of
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.errors import Forbidden, InvalidInput, SiksError, Unauthenticated
from schema.roles import Principal, Role
from schema.scope import check_principal

PHOTO_PATH = "/uploads/photo"
UPLOAD_HEADER = "X-SIKS-Upload"
UPLOAD_HEADER_VALUE = "photo"
JPEG_TYPE = "image/jpeg"
CHUNK_BYTES = 64 * 1024
PHOTO_VIEWERS = frozenset({Role.OPERATOR_DESA, Role.PENDAMPING, Role.DINSOS, Role.KEMENSOS})

PHOTO_FILES = web.AppKey("photo_files", ContentAddressedFiles)
FIELD_VERIFICATION = web.AppKey("field_verification", FieldVerificationSettings)


def photo_root(config: NodeConfig) -> Path:
    """``photos/`` in the node's data directory (where its signing key also lives)."""
    return default_key_path(config.db_url, config.data_dir, config.region).parent / "photos"


def settings_from_env(environ: Mapping[str, str] | None = None) -> FieldVerificationSettings:
    """``SIKS_NODE_PHOTO_MAX_BYTES`` and ``SIKS_NODE_GEOTAG_MAX_DISTANCE_M``, when set."""
    env = node_env(environ)
    return FieldVerificationSettings(
        max_photo_bytes=env.whole("photo_max_bytes", DEFAULT_MAX_PHOTO_BYTES, positive=True),
        max_distance_m=env.number("geotag_max_distance_m", DEFAULT_MAX_DISTANCE_M, positive=True))


async def _principal(request: web.Request) -> Principal:
    header = request.headers.get("Authorization")
    if header is None:
        raise Unauthenticated(f"{request.path} needs Authorization: Bearer <token>")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization must be 'Bearer <token>'")
    principal = await request.app[TOKEN_TRUST].verify(token.strip())
    check_principal(principal)
    return principal


def _refusal(exc: SiksError) -> web.Response:
    """The typed error as JSON, with the HTTP status that fits it."""
    headers = None
    if isinstance(exc, Unauthenticated):
        status, headers = 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    elif isinstance(exc, Forbidden | OutOfScope):
        status = 403
    elif isinstance(exc, InvalidInput) and exc.reason == "too_large":
        status = 413
    else:
        status = 400
    return web.json_response({"errors": [{"message": exc.message,
                                          "extensions": exc.extensions()}]},
                             status=status, headers=headers)


async def _read_capped(request: web.Request, max_bytes: int) -> bytes:
    if request.content_length is not None and request.content_length > max_bytes:
        raise InvalidInput(f"the photo has {request.content_length:,} bytes; at most "
                           f"{max_bytes:,} are accepted (let the app scale it down)",
                           reason="too_large", field="photo")
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            raise InvalidInput(f"the photo is larger than {max_bytes:,} bytes (let the app "
                               "scale it down)", reason="too_large", field="photo")
        chunks.append(chunk)
    return b"".join(chunks)


def _photo_body(row: Photo, created: bool) -> dict[str, Any]:
    exif = None
    if row.exif_latitude is not None and row.exif_longitude is not None:
        exif = {"latitude": row.exif_latitude, "longitude": row.exif_longitude}
    return {"sha256": row.sha256, "sizeBytes": row.size_bytes, "width": row.width,
            "height": row.height, "exifPosition": exif, "exifTakenAt": row.exif_taken_at,
            "created": created}


async def upload_photo(request: web.Request, database: Database,
                       node_region: str) -> web.Response:
    try:
        principal = await _principal(request)
    except SiksError as exc:
        return _refusal(exc)
    return await store_photo(request, principal, database, node_region)


async def store_photo(request: web.Request, principal: Principal, database: Database,
                      node_region: str) -> web.Response:
    """The upload once its sender is known: the ``X-SIKS-Upload`` header, the role, the
    type, the size, a whole JPEG, stored once by its SHA-256. The pendamping's web page
    (``regional_node.entrypoints.web.pendamping``) sends its photos here too, with the
    session's principal instead of a bearer token."""
    settings = request.app[FIELD_VERIFICATION]
    try:
        if request.headers.get(UPLOAD_HEADER, "").strip().lower() != UPLOAD_HEADER_VALUE:
            raise Forbidden(f"a photo upload needs the header {UPLOAD_HEADER}: "
                            f"{UPLOAD_HEADER_VALUE}", reason="upload_header")
        require_uploader(principal, node_region)
        if request.content_type != JPEG_TYPE:
            return error_response(415, "UNSUPPORTED_MEDIA_TYPE",
                                  f"POST {PHOTO_PATH} takes the photo itself as {JPEG_TYPE}")
        content = await _read_capped(request, settings.max_photo_bytes)
        prepared = await asyncio.to_thread(prepare_photo, content, request.app[PHOTO_FILES],
                                           settings.max_photo_bytes)
        async with UnitOfWork(database, actor_of(principal)) as uow:
            stored = await record_photo(uow, principal, node_region, prepared)
            await uow.commit()
    except SiksError as exc:
        return _refusal(exc)
    return web.json_response(_photo_body(stored.row, stored.created),
                             status=201 if stored.created else 200)


async def download_photo(request: web.Request, database: Database) -> web.StreamResponse:
    """The photo's bytes, for the region's staff and Kemensos: the uploader, or anyone whose
    scope covers a verification the photo backs."""
    sha256 = request.match_info["sha256"]
    try:
        principal = await _principal(request)
        if principal.role not in PHOTO_VIEWERS:
            raise Forbidden(f"role {principal.role} may not see house photos", reason="role")
        async with database.reader() as session:
            photo = await session.get(Photo, sha256)
            places = (await session.execute(
                select(FieldVerification.desa_code, FieldVerification.household_id)
                .where(FieldVerification.photo_sha256 == sha256))).all()
        visible = photo is not None and (
            photo.uploaded_by == principal.user_id
            or any(covers(principal, ProposalScope(desa, household)) for desa, household in places))
        content = request.app[PHOTO_FILES].get(sha256) if visible else None
    except ValueError:
        content = None
    except SiksError as exc:
        return _refusal(exc)
    if content is None:
        return error_response(404, "NOT_FOUND", f"no photo {sha256} that you may see")
    return web.Response(body=content, content_type=JPEG_TYPE, headers={
        "Cache-Control": "private, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff"})


def add_photo_routes(app: web.Application, config: NodeConfig,
                     database: web.AppKey[Database],
                     settings: FieldVerificationSettings | None = None) -> None:
    app[PHOTO_FILES] = ContentAddressedFiles(photo_root(config), suffix=".jpg")
    app[FIELD_VERIFICATION] = settings or settings_from_env()

    async def upload(request: web.Request) -> web.Response:
        return await upload_photo(request, request.app[database], config.region)

    async def download(request: web.Request) -> web.StreamResponse:
        return await download_photo(request, request.app[database])

    app.router.add_post(PHOTO_PATH, upload)
    app.router.add_get(PHOTO_PATH + "/{sha256:[0-9a-f]{64}}", download)
