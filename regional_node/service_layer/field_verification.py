"""Use cases of field verification: store a house photo, record a verification, and the check
the proposal cycle makes before VERIFIED.

A photo is checked and written to disk *before* the database transaction (:func:`prepare_photo`,
no lock held while decoding or fsyncing), then recorded in it (:func:`record_photo`). A
verification is immutable: recording another visit creates another row; nothing updates one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.attachment_files import ContentAddressedFiles
from regional_node.adapters.orm import FieldVerification, Household, Photo, Proposal, utcnow
from regional_node.adapters.photo_exif import PhotoFacts, read_photo
from regional_node.domain.audit import digest
from regional_node.domain.geotag import (
    DEFAULT_MAX_DISTANCE_M,
    GeoPoint,
    assess_location,
    flag_names,
)
from regional_node.domain.node_scope import require_overlap
from regional_node.domain.proposals import OPEN_STATES, UPLOADERS, ProposalScope, covers
from regional_node.errors import (
    Conflict,
    FieldVerificationRequired,
    NotFound,
    OutOfScope,
    WrongState,
)
from regional_node.service_layer.unit_of_work import UnitOfWork
from regional_node.service_layer.verivali import ensure_period_for
from schema.errors import Forbidden, InvalidInput
from schema.geo import boundary
from schema.roles import Principal, Role

DEFAULT_MAX_PHOTO_BYTES = 4 * 1024 * 1024
"""A 12 MP phone photo at normal JPEG quality; the app should downscale on poor links."""
VERIFIERS = frozenset({Role.PENDAMPING})
MAX_NOTE_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class FieldVerificationSettings:
    max_photo_bytes: int = DEFAULT_MAX_PHOTO_BYTES
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M


# --- photos ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PreparedPhoto:
    sha256: str
    size_bytes: int
    facts: PhotoFacts


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    row: Photo
    created: bool  # False: the same bytes were uploaded before


def require_uploader(principal: Principal, node_region: str) -> None:
    """An uploader's role, and a scope that meets this node's kab/kota."""
    if principal.role not in UPLOADERS:
        raise Forbidden(f"role {principal.role} may not upload photos", reason="role")
    require_overlap(principal, node_region, "upload photos")


def check_photo_size(size: int, max_bytes: int) -> None:
    if size == 0:
        raise InvalidInput("the photo is empty", reason="empty", field="photo")
    if size > max_bytes:
        raise InvalidInput(f"the photo has {size:,} bytes; at most {max_bytes:,} are accepted "
                           "(let the app scale it down)", reason="too_large", field="photo")


def prepare_photo(content: bytes, files: ContentAddressedFiles,
                  max_bytes: int = DEFAULT_MAX_PHOTO_BYTES) -> PreparedPhoto:
    """Check ``content`` (size, a whole JPEG), read its EXIF, and store the file under its
    SHA-256. Raises ``INVALID_INPUT`` and stores nothing when the photo is refused."""
    check_photo_size(len(content), max_bytes)
    facts = read_photo(content)
    stored = files.put(content)
    return PreparedPhoto(stored.sha256, len(content), facts)


def _photo_snapshot(row: Photo) -> dict[str, Any]:
    return {"sha256": row.sha256, "size_bytes": row.size_bytes, "width": row.width,
            "height": row.height, "exif_latitude": row.exif_latitude,
            "exif_longitude": row.exif_longitude, "exif_taken_at": row.exif_taken_at}


async def record_photo(uow: UnitOfWork, principal: Principal, node_region: str,
                       photo: PreparedPhoto) -> StoredPhoto:
    """The photo's row (once per content), audited with its hash as the attachment."""
    require_uploader(principal, node_region)
    existing = await uow.session.get(Photo, photo.sha256)
    if existing is not None:
        return StoredPhoto(existing, created=False)
    position = photo.facts.position
    row = Photo(sha256=photo.sha256, size_bytes=photo.size_bytes, width=photo.facts.width,
                height=photo.facts.height,
                exif_latitude=position.latitude if position else None,
                exif_longitude=position.longitude if position else None,
                exif_taken_at=photo.facts.taken_at, uploaded_by=principal.user_id,
                uploaded_role=principal.role.value, uploaded_at=utcnow())
    uow.session.add(row)
    uow.audit.record("photo.store", "photo", row.sha256, after=_photo_snapshot(row),
                     attachments=(row.sha256,))
    return StoredPhoto(row, created=True)


# --- verifications --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class VerificationSubmission:
    """What the pendamping's phone sends: which household or proposal, where, which photo.
    ``id`` is chosen by the phone (a UUID), so a retry on a bad link creates nothing twice."""

    id: str
    photo_sha256: str
    position: GeoPoint
    household_id: int | None = None
    proposal_id: str | None = None
    note: str | None = None

    def content_digest(self) -> str:
        return digest({"photo_sha256": self.photo_sha256, "latitude": self.position.latitude,
                       "longitude": self.position.longitude, "household_id": self.household_id,
                       "proposal_id": self.proposal_id, "note": self.note})


def verification_id(value: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise InvalidInput(f"{value!r} is not a UUID", reason="malformed", field="id") from None


@dataclass(frozen=True, slots=True)
class _Target:
    desa_code: str
    household_id: int | None
    proposal_id: str | None


async def _target(session: AsyncSession, principal: Principal,
                  submission: VerificationSubmission) -> _Target:
    if (submission.household_id is None) == (submission.proposal_id is None):
        raise InvalidInput("give either a householdId or a proposalId", reason="one_target",
                           field="householdId")
    if submission.household_id is not None:
        household = await session.get(Household, submission.household_id)
        if household is None:
            raise NotFound(f"no household {submission.household_id} on this node")
        target = _Target(household.desa_code, household.id, None)
    else:
        proposal = await session.get(Proposal, submission.proposal_id)
        if proposal is None:
            raise NotFound(f"no proposal {submission.proposal_id} on this node")
        if proposal.state not in OPEN_STATES:
            raise WrongState(f"proposal {proposal.id} is {proposal.state}: it is no longer "
                             "verified in the field")
        target = _Target(proposal.desa_code, proposal.household_id, proposal.id)
    if not covers(principal, ProposalScope(target.desa_code, target.household_id)):
        raise OutOfScope(f"desa {target.desa_code} is outside the scope of "
                         f"{principal.user_id} ({principal.region or 'assigned families'})")
    return target


async def record_field_verification(uow: UnitOfWork, principal: Principal,
                                    submission: VerificationSubmission, node_region: str, *,
                                    settings: FieldVerificationSettings | None = None,
                                    today: dt.date | None = None) -> FieldVerification:
    """Record a field visit (PENDAMPING): flagged, never refused, for a point outside the
    regency, far from the photo's own GPS position, a photo without GPS, or a reused photo."""
    if principal.role not in VERIFIERS:
        raise Forbidden(f"role {principal.role} may not record field verifications",
                        reason="role")
    settings = settings or FieldVerificationSettings()
    vid = verification_id(submission.id)
    note = (submission.note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"the note is longer than {MAX_NOTE_LENGTH} characters",
                           reason="too_long", field="note")
    existing = await uow.session.get(FieldVerification, vid)
    if existing is not None:
        if (existing.content_digest == submission.content_digest()
                and existing.verified_by == principal.user_id):
            return existing  # the phone retried
        raise Conflict(f"field verification {vid} already exists with other content; "
                       "a new visit needs a new id")
    target = await _target(uow.session, principal, submission)
    photo = await uow.session.get(Photo, submission.photo_sha256)
    if photo is None:
        raise NotFound(f"no photo {submission.photo_sha256} on this node: upload it first "
                       "(POST /uploads/photo)")
    period = await ensure_period_for(uow, today or dt.date.today())
    reused = (await uow.session.execute(select(FieldVerification.id).where(
        FieldVerification.photo_sha256 == photo.sha256).limit(1))).first() is not None
    photo_position = (GeoPoint(photo.exif_latitude, photo.exif_longitude)
                      if photo.exif_latitude is not None and photo.exif_longitude is not None
                      else None)
    assessment = assess_location(submission.position, photo_position, boundary(node_region),
                                 max_distance_m=settings.max_distance_m, photo_reused=reused)
    row = FieldVerification(
        id=vid, period_code=period.code, household_id=target.household_id,
        proposal_id=target.proposal_id, desa_code=target.desa_code,
        latitude=submission.position.latitude, longitude=submission.position.longitude,
        photo_sha256=photo.sha256, distance_from_photo_m=assessment.distance_from_photo_m,
        flags=flag_names(assessment.flags), note=note,
        content_digest=submission.content_digest(), verified_by=principal.user_id,
        verified_role=principal.role.value, verified_at=utcnow())
    uow.session.add(row)
    uow.audit.record("field_verification.record", "field_verification", vid,
                     after=verification_snapshot(row), attachments=(photo.sha256,))
    return row


def verification_snapshot(row: FieldVerification) -> dict[str, Any]:
    return {"id": row.id, "period_code": row.period_code, "household_id": row.household_id,
            "proposal_id": row.proposal_id, "desa_code": row.desa_code,
            "latitude": row.latitude, "longitude": row.longitude,
            "photo_sha256": row.photo_sha256,
            "distance_from_photo_m": row.distance_from_photo_m, "flags": list(row.flags),
            "note": row.note, "verified_by": row.verified_by}


# --- the proposal cycle's check -------------------------------------------------------------

async def proposal_field_verifications(session: AsyncSession, proposal_id: str) -> list[str]:
    """Ids of the field verifications recorded for a proposal, oldest first."""
    rows = await session.scalars(
        select(FieldVerification.id).where(FieldVerification.proposal_id == proposal_id)
        .order_by(FieldVerification.verified_at, FieldVerification.id))
    return list(rows)


def require_field_verification(proposal_id: str,
                               verification_ids: list[str]) -> dict[str, Any]:
    """Refuse VERIFIED without a field verification (geotagged house photo) of the proposal;
    otherwise the detail the VERIFY event records: the latest verification's id."""
    if not verification_ids:
        raise FieldVerificationRequired(
            f"proposal {proposal_id} has no field verification yet: upload the house photo "
            "and record the visit (recordFieldVerification) first")
    return {"field_verification": verification_ids[-1]}
