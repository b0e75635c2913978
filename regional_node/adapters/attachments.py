"""Content-addressed attachments (Musdes minutes now, house photos later), kept in the node's
database so that a file and the proposal naming it commit in one transaction and are backed up
together. A file is named by the SHA-256 of its bytes: storing it twice stores it once.

Kept deliberately small: photo handling (EXIF, geotags) builds on :func:`store_attachment`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.orm import Attachment
from schema.errors import InvalidInput

MAX_ATTACHMENT_BYTES = 1_500_000  # fits the node's 2 MiB request limit once base64-encoded

SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
"""Accepted media types and the bytes their files start with."""


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    sha256: str
    media_type: str
    size_bytes: int
    filename: str | None
    created: bool  # False: the same bytes were already stored


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def check_content(content: bytes, media_type: str) -> None:
    if media_type not in SIGNATURES:
        raise InvalidInput(f"media type {media_type!r} is not accepted (use "
                           f"{', '.join(sorted(SIGNATURES))})", reason="media_type",
                           field="mediaType")
    if not content:
        raise InvalidInput("the file is empty", reason="empty", field="content")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise InvalidInput(f"the file has {len(content):,} bytes; at most "
                           f"{MAX_ATTACHMENT_BYTES:,} are accepted", reason="too_large",
                           field="content")
    if not content.startswith(SIGNATURES[media_type]):
        raise InvalidInput(f"the content is not a {media_type} file", reason="media_mismatch",
                           field="content")


async def store_attachment(session: AsyncSession, content: bytes, media_type: str,
                           filename: str | None, uploaded_by: str) -> StoredAttachment:
    """Store ``content`` under its hash (in the caller's transaction) unless already there."""
    check_content(content, media_type)
    sha256 = sha256_of(content)
    existing = await session.get(Attachment, sha256)
    if existing is not None:
        return StoredAttachment(sha256, existing.media_type, existing.size_bytes,
                                existing.filename, created=False)
    session.add(Attachment(sha256=sha256, media_type=media_type, size_bytes=len(content),
                           filename=filename, content=content, uploaded_by=uploaded_by))
    return StoredAttachment(sha256, media_type, len(content), filename, created=True)


async def attachment_exists(session: AsyncSession, sha256: str) -> bool:
    found = await session.execute(select(Attachment.sha256).where(Attachment.sha256 == sha256))
    return found.scalar_one_or_none() is not None


async def attachment_content(session: AsyncSession, sha256: str) -> bytes | None:
    found = await session.execute(select(Attachment.content).where(Attachment.sha256 == sha256))
    return found.scalar_one_or_none()
