"""A posted form with files, read as a stream: the service's request size limit (2 MB at the
gateway) is for bodies read whole, and a partner's NIK file (up to 18 MB) or a signed decree
PDF is larger. The CSRF token must come before any file (every form puts it first), so no
file is read for a form that did not come from this site."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import BodyPartReader, web

from service_kit.web.pages import form_with_csrf, text
from service_kit.web.session import CSRF_FIELD, session_of

CHUNK = 1 << 16
FIELD_LIMIT = 64 * 1024  # a text field


@dataclass(frozen=True)
class Upload:
    """One file field: its SHA-256, size, and (when kept) its bytes; ``too_large`` when it
    passed its limit (then the rest was not read)."""

    filename: str | None
    sha256: str
    size: int
    data: bytes | None
    too_large: bool = False


def _forbidden(request: web.Request) -> web.HTTPForbidden:
    return web.HTTPForbidden(text=text(
        request, "The form has expired or did not come from this site. Go back, reload "
                 "the page and send it again."), content_type="text/plain")


async def _read_file(part: BodyPartReader, limit: int, keep: bool) -> Upload:
    digest, size, chunks = hashlib.sha256(), 0, []
    while chunk := await part.read_chunk(CHUNK):
        size += len(chunk)
        if size > limit:
            return Upload(part.filename, "", size, None, too_large=True)
        digest.update(chunk)
        if keep:
            chunks.append(chunk)
    return Upload(part.filename, digest.hexdigest(), size,
                  b"".join(chunks) if keep else None)


async def _read_field(part: BodyPartReader) -> str:
    data = bytearray()
    while (chunk := await part.read_chunk(CHUNK)) and len(data) <= FIELD_LIMIT:
        data.extend(chunk)
    return bytes(data[:FIELD_LIMIT]).decode("utf-8", errors="replace")


async def streamed_form(request: web.Request, files: Mapping[str, tuple[int, bool]]
                        ) -> tuple[dict[str, list[str]], dict[str, Upload]]:
    """The form's text fields (each name's values) and its files (``files``: name → (limit
    in bytes, keep the bytes)); 403 when the CSRF token is not the session's. A form that is
    not multipart is read as usual (it has no files)."""
    if not request.content_type.startswith("multipart/"):
        form = await form_with_csrf(request)
        posted = await request.post()  # read once: the same form again
        return {key: [str(v) for v in posted.getall(key)] for key in set(form.keys())}, {}
    fields: dict[str, list[str]] = {}
    uploads: dict[str, Upload] = {}
    session = session_of(request)
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        if part.filename is not None or part.name in files:
            if not session.csrf_matches(_token(fields)):
                raise _forbidden(request)
            limit, keep = files.get(part.name, (0, False))
            upload = await _read_file(part, limit, keep)
            if upload.size or part.name not in uploads:
                uploads[part.name] = upload
            if upload.too_large:
                break
            continue
        fields.setdefault(part.name, []).append(await _read_field(part))
    if not session.csrf_matches(_token(fields)):
        raise _forbidden(request)
    return fields, uploads


def _token(fields: Mapping[str, list[str]]) -> str | None:
    values = fields.get(CSRF_FIELD)
    return values[0] if values else None


def first(fields: Mapping[str, list[str]], name: str) -> str:
    return (fields.get(name) or [""])[0].strip()
