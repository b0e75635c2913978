"""SQLAlchemy 2 typed models of the node's database. Kept apart from the GraphQL types.

Enum columns are stored as their string values (no native database enums), so that adding a
value never needs a table rewrite on SQLite and stays one Alembic migration on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    orm,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from schema.deciles import quantise
from schema.i18n import Message

# BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        dt.datetime: DateTime(timezone=True),
        str: Text(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


class Household(Base):
    __tablename__ = "household"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kk_number: Mapped[str] = mapped_column(String(16), unique=True)
    desa_code: Mapped[str] = mapped_column(String(13), index=True)
    address: Mapped[str]
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    floor_material: Mapped[str | None] = mapped_column(String(32))
    wall_material: Mapped[str | None] = mapped_column(String(32))
    roof_material: Mapped[str | None] = mapped_column(String(32))
    floor_area_m2: Mapped[float | None] = mapped_column(Float)
    tenure: Mapped[str | None] = mapped_column(String(32))
    drinking_water: Mapped[str | None] = mapped_column(String(32))
    lighting: Mapped[str | None] = mapped_column(String(32))
    cooking_fuel: Mapped[str | None] = mapped_column(String(32))
    toilet: Mapped[str | None] = mapped_column(String(32))
    assets: Mapped[list[str]] = mapped_column(default=list)
    desil: Mapped[int | None] = mapped_column(SmallInteger)
    # the national cut-point set the desil was assigned from (docs/deciles.md); None: typed in
    desil_cut_set: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)
    inactive_reason: Mapped[str | None] = mapped_column(String(32))
    # a returned proposal's change that could not be undone safely: Dinas Sosial reviews it
    review_reason: Mapped[str | None]
    review_proposal_id: Mapped[str | None] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    members: Mapped[list[Member]] = orm.relationship(back_populates="household",
                                                 order_by="Member.id")
    programs: Mapped[list[ProgramMembership]] = orm.relationship(back_populates="household",
                                                             order_by="ProgramMembership.id")


class Member(Base):
    __tablename__ = "member"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str]
    birth_date: Mapped[dt.date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(8))
    relationship: Mapped[str] = mapped_column(String(32))
    education: Mapped[str | None] = mapped_column(String(16))
    occupation: Mapped[str | None]
    disability: Mapped[str] = mapped_column(String(16))
    match_status: Mapped[str] = mapped_column(String(16))
    # the last Dukcapil check when not a clean match: {"status", "fields", "registry": {...}}
    registry_finding: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    alive: Mapped[bool] = mapped_column(Boolean, default=True)
    death_date: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    household: Mapped[Household] = orm.relationship(back_populates="members")


class ProgramMembership(Base):
    __tablename__ = "program_membership"
    __table_args__ = (
        UniqueConstraint("household_id", "member_id", "program", "period",
                         name="uq_program_membership_scope"),
        Index("ix_program_membership_program_active", "program", "active"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # no index of its own: uq_program_membership_scope's index starts with household_id
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    program: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # the PROGRAM_ENROLMENT proposal that created it; null: in the DTKS by import or seed
    proposal_id: Mapped[str | None] = mapped_column(ForeignKey("proposal.id"))

    household: Mapped[Household] = orm.relationship(back_populates="programs")


class HouseholdWarning(Base):
    """Implausible but possible data (born before 1900, a child older than a parent, a KK of
    another province...): stored with the household, open until resolved with a note."""

    __tablename__ = "household_warning"
    __table_args__ = (Index("ix_household_warning_open_desa", "resolved_at", "desa_code"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    desa_code: Mapped[str] = mapped_column(String(13))
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))  # IMPORT, REGISTRY, PROPOSAL
    message: Mapped[str]  # Indonesian / English, as stored (all that rows before 0013 have)
    # the msgid and values (schema.i18n.Message.stored), rendered in the reader's language
    message_parts: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    def message_in(self, language: str) -> str:
        if not self.message_parts:
            return self.message
        return Message.from_stored(self.message_parts).text(language)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None]
    resolved_by: Mapped[str | None]
    resolution_note: Mapped[str | None]


class AuditEntry(Base):
    """One link of the append-only hash chain. ``ts`` is text so its hash is the same on
    every database (no timezone or precision round-trips)."""

    __tablename__ = "audit_entry"

    seq: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str]
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before_digest: Mapped[str | None] = mapped_column(String(64))
    after_digest: Mapped[str | None] = mapped_column(String(64))
    attachments: Mapped[list[str]] = mapped_column(default=list)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditNikLookup(Base):
    """One NIK of a batch looked up in one operation (a ``crossCheck``), at ``position`` in
    the batch: the masked NIK and ``nik_digest``, the SHA-256 of ``{"nik": NIK}`` (the
    after-digest a single lookup's entry carries), which binds the NIK without storing it.
    The batch's entry (action ``read.nik_lookups``) binds the rows through its after-digest
    (:func:`regional_node.domain.nik_lookups.batch_digest`). Not indexed by digest, as the
    single lookups' after-digests are not: "who looked up this NIK" is a scan, kept off the
    path of every lookup."""

    __tablename__ = "audit_nik_lookup"
    __table_args__ = ({"sqlite_with_rowid": False},)

    entry_seq: Mapped[int] = mapped_column(
        Id, ForeignKey("audit_entry.seq"), primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    masked_nik: Mapped[str] = mapped_column(String(16))
    nik_digest: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's tip, one row. Writers lock it, so entries are appended one transaction at
    a time; it also lets verification notice entries deleted from the end."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Id)
    entry_hash: Mapped[str] = mapped_column(String(64))


class NodeMeta(Base):
    """Facts about this database: which region it belongs to (set once, then enforced)."""

    __tablename__ = "node_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str]


class Attachment(Base):
    """A stored file (Musdes minutes, later photos), named by the SHA-256 of its content, so the
    same file is stored once and an audit entry can name it by hash."""

    __tablename__ = "attachment"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str | None]
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str]
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Proposal(Base):
    """An usulan: a change to the registry moving through the DTKS update cycle. The id is a
    UUID chosen by the client, so an offline client can create it again without a duplicate."""

    __tablename__ = "proposal"
    __table_args__ = (Index("ix_proposal_created_at_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(32), index=True)
    desa_code: Mapped[str] = mapped_column(String(13), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    details: Mapped[dict[str, Any]]
    details_digest: Mapped[str] = mapped_column(String(64))
    musdes_held_on: Mapped[dt.date | None] = mapped_column(Date)
    musdes_minutes_number: Mapped[str | None]
    musdes_minutes_sha256: Mapped[str | None] = mapped_column(ForeignKey("attachment.sha256"))
    note: Mapped[str | None]
    nik_results: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    reason: Mapped[str | None]  # why it was last rejected or returned
    # the RETURNED proposal this one corrects
    corrects_id: Mapped[str | None] = mapped_column(ForeignKey("proposal.id"), index=True)
    created_by: Mapped[str]
    created_role: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProposalEvent(Base):
    """One step of a proposal's history: who moved it, in which role, when, why."""

    __tablename__ = "proposal_event"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposal.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str]
    role: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reason: Mapped[str | None]
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Notification(Base):
    """A message for a user (e.g. the operator whose proposal hit a NIK anomaly); also shown
    to the desa's operators and the kab/kota's Dinas Sosial."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(128), index=True)
    desa_code: Mapped[str] = mapped_column(String(13), index=True)
    proposal_id: Mapped[str | None] = mapped_column(ForeignKey("proposal.id"))
    topic: Mapped[str] = mapped_column(String(32))
    message: Mapped[str]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]


class Photo(Base):
    """A house photo from a field visit. The file lies under the node's data directory, named
    by its SHA-256; this row holds what was read from it (EXIF GPS position and time).
    Immutable: database triggers refuse UPDATE and DELETE."""

    __tablename__ = "photo"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    exif_latitude: Mapped[float | None] = mapped_column(Float)
    exif_longitude: Mapped[float | None] = mapped_column(Float)
    exif_taken_at: Mapped[str | None] = mapped_column(String(32))  # camera clock, no zone
    uploaded_by: Mapped[str]
    uploaded_role: Mapped[str] = mapped_column(String(32))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class VerivaliPeriod(Base):
    """A verification-and-validation period (``2026-S2``): every active household needs a
    field verification inside it. Dates are inclusive."""

    __tablename__ = "verivali_period"

    code: Mapped[str] = mapped_column(String(17), primary_key=True)
    name: Mapped[str | None]
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[str]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class FieldVerification(Base):
    """A pendamping's field visit: where they stood (the submitted coordinates), the house
    photo, and what was suspicious about it (``flags``). For a household (verivali) or a
    proposal (before VERIFIED). Immutable: database triggers refuse UPDATE and DELETE; a new
    visit is a new row."""

    __tablename__ = "field_verification"
    __table_args__ = (
        Index("ix_field_verification_period_household", "period_code", "household_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    period_code: Mapped[str] = mapped_column(ForeignKey("verivali_period.code"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    proposal_id: Mapped[str | None] = mapped_column(ForeignKey("proposal.id"), index=True)
    desa_code: Mapped[str] = mapped_column(String(13), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    photo_sha256: Mapped[str] = mapped_column(ForeignKey("photo.sha256"))
    distance_from_photo_m: Mapped[float | None] = mapped_column(Float)
    flags: Mapped[list[str]] = mapped_column(default=list)
    note: Mapped[str | None]
    content_digest: Mapped[str] = mapped_column(String(64))
    verified_by: Mapped[str]
    verified_role: Mapped[str] = mapped_column(String(32))
    verified_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A signed envelope for the gateway, written in the same transaction as the approval it
    carries; the relay delivers them oldest first (by ``id``). The envelope is kept as the
    exact JSON text that is sent, so every resend has the same digest."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36), unique=True)
    action: Mapped[str] = mapped_column(String(32))
    receiver_id: Mapped[str] = mapped_column(String(32))
    kid: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    record_count: Mapped[int] = mapped_column(Integer)
    envelope: Mapped[str]
    status: Mapped[str] = mapped_column(String(16))  # PENDING | DELIVERED | REFUSED
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[dt.datetime | None]
    last_attempt_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None]
    delivered_at: Mapped[dt.datetime | None]
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class DecisionReceipt(Base):
    """A national decision this node received: applied (or refused) exactly once by its
    message id; a resend with the same digest is acknowledged again."""

    __tablename__ = "decision_receipt"

    message_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))  # APPLIED | REFUSED
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CrossRegionDuplicate(Base):
    """A gateway finding: a NIK of this node (by its directory key) is held by another
    region too. ``member_id`` is the member it names here (None: the key matches no member
    now, or the node has no directory key); ``warning_id`` the household warning shown to
    Dinas Sosial. ``version`` is the gateway's: an older notice never overwrites a newer."""

    __tablename__ = "cross_region_duplicate"

    finding_id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
    nik_key: Mapped[str] = mapped_column(String(64), index=True)
    regions: Mapped[list[str]] = mapped_column(JSON)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("household_warning.id"))
    first_seen_at: Mapped[dt.datetime]
    resolved_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NikAnnouncement(Base):
    """A member's NIK the gateway's directory was told of (by its keyed hash, over mTLS):
    a member with no row, or whose NIK changed since, is still to be announced — the queue
    the relay works through whenever the gateway is reachable (docs/duplicates.md)."""

    __tablename__ = "nik_announcement"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True,
                                           autoincrement=False)
    nik: Mapped[str] = mapped_column(String(16))
    announced_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditCheckpoint(Base):
    """A signed checkpoint of the audit chain (size + head hash) the gateway acknowledged."""

    __tablename__ = "audit_checkpoint"

    size: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
    head_hash: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str | None] = mapped_column(String(36))
    acknowledged_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CommunityReport(Base):
    """An usul or a sanggah from the public, as work for its desa's operators. The id is the
    receipt the submitter keeps (a UUID, theirs when they chose one, so a relay can retry)."""

    __tablename__ = "community_report"
    __table_args__ = (Index("ix_community_report_received_at_id", "received_at", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    desa_code: Mapped[str] = mapped_column(String(13), index=True)
    person_name: Mapped[str]
    address: Mapped[str]
    description: Mapped[str]
    nik: Mapped[str | None] = mapped_column(String(16))
    kk_number: Mapped[str | None] = mapped_column(String(16))
    program: Mapped[str | None] = mapped_column(String(32))
    photo_sha256: Mapped[str | None] = mapped_column(ForeignKey("attachment.sha256"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    outside_regency: Mapped[bool | None] = mapped_column(Boolean)
    submitter_name: Mapped[str | None]
    submitter_contact: Mapped[str | None]
    submitted_by: Mapped[str]
    submitted_role: Mapped[str] = mapped_column(String(32))
    content_digest: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime]
    due_at: Mapped[dt.datetime] = mapped_column(index=True)
    proposal_id: Mapped[str | None] = mapped_column(ForeignKey("proposal.id"), index=True)
    closed_by: Mapped[str | None]
    closed_role: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[dt.datetime | None]
    close_reason: Mapped[str | None]
    version: Mapped[int] = mapped_column(Integer, default=1)


class OfflineImport(Base):
    """One import of an offline work package: who, when, which file, and the outcome of
    every row (applied, already applied, conflict, error), so nothing is lost silently."""

    __tablename__ = "offline_import"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    package_id: Mapped[str] = mapped_column(String(36), index=True)
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_format: Mapped[str] = mapped_column(String(8))
    desa_code: Mapped[str] = mapped_column(String(13))
    imported_by: Mapped[str]
    imported_role: Mapped[str] = mapped_column(String(32))
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    applied: Mapped[int] = mapped_column(Integer)
    already_applied: Mapped[int] = mapped_column(Integer)
    conflicts: Mapped[int] = mapped_column(Integer)
    errors: Mapped[int] = mapped_column(Integer)
    outcomes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class ImportRun(Base):
    """What one ``siks node import`` did, kept after it (refusals included: an all-or-nothing
    import with errors stores no household, but its refusals count in the data quality)."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    source_name: Mapped[str]
    mode: Mapped[str] = mapped_column(String(16))
    imported_by: Mapped[str]
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    rows_read: Mapped[int] = mapped_column(Integer)
    households_read: Mapped[int] = mapped_column(Integer)
    households_stored: Mapped[int] = mapped_column(Integer)
    households_refused: Mapped[int] = mapped_column(Integer)
    errors: Mapped[int] = mapped_column(Integer)
    warnings_stored: Mapped[int] = mapped_column(Integer)
    errors_by_reason: Mapped[dict[str, Any]] = mapped_column(JSON)


class UserAccount(Base):
    """A person who logs in at this node: a role and a scope (``schema.policy`` says what they
    may see). Only a scrypt hash of the password is stored."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(13))
    programs: Mapped[list[str]] = mapped_column(default=list)
    household_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PmtModelRow(Base):
    """A loaded PMT model file (docs/pmt.md): the newest loaded is the active one."""

    __tablename__ = "pmt_model"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str]
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    loaded_by: Mapped[str]


def _quantised_score(context: Any) -> int:
    return quantise(context.get_current_parameters()["score"])


class PmtScore(Base):
    """A household's PMT score (predicted log per-capita consumption) and the model version
    that computed it."""

    __tablename__ = "pmt_score"

    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), primary_key=True,
                                              autoincrement=False)
    score: Mapped[float] = mapped_column(Float)
    #: the score as the national deciles count it (``schema.deciles.quantise``), indexed;
    #: every writer sets it with the score (an ORM insert that leaves it out gets it here)
    score_q: Mapped[int] = mapped_column(BigInteger, index=True, default=_quantised_score)
    model_version: Mapped[str] = mapped_column(String(64), index=True)
    computed_at: Mapped[dt.datetime]


class PmtRun(Base):
    """One recompute of every household's score: its counts and the digest of what it wrote
    (its audit entry's ``after`` digest covers this row)."""

    __tablename__ = "pmt_run"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    model_version: Mapped[str] = mapped_column(String(64))
    households: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    scores_digest: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime]
    actor: Mapped[str]


class HouseholdClusterRun(Base):
    """One computation of a period's clusters of poor households (docs/pockets.md)."""

    __tablename__ = "household_cluster_run"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    min_cluster_size: Mapped[int] = mapped_column(Integer)
    alpha: Mapped[float] = mapped_column(Float)
    permutations: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    households: Mapped[int] = mapped_column(Integer)  # active, with a desil and coordinates
    poor_households: Mapped[int] = mapped_column(Integer)
    candidates: Mapped[int] = mapped_column(Integer)
    previous_period: Mapped[str | None] = mapped_column(String(7))


class HouseholdCluster(Base):
    """A cluster of poor households flagged in a period. ``household_ids`` stay at the node
    (to tell a new cluster from one that overlaps the previous period's); never in the API."""

    __tablename__ = "household_cluster"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    period: Mapped[str] = mapped_column(
        String(7), ForeignKey("household_cluster_run.period", ondelete="CASCADE"), index=True)
    size: Mapped[int] = mapped_column(Integer)
    latitude: Mapped[float] = mapped_column(Float)  # rounded
    longitude: Mapped[float] = mapped_column(Float)
    desa_codes: Mapped[list[str]] = mapped_column(JSON)
    households_in_area: Mapped[int] = mapped_column(Integer)
    poor_in_area: Mapped[int] = mapped_column(Integer)
    kabkota_share: Mapped[float] = mapped_column(Float)
    p_value: Mapped[float] = mapped_column(Float)
    is_new: Mapped[bool] = mapped_column(Boolean)
    reason_id: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str] = mapped_column(Text)
    household_ids: Mapped[list[int]] = mapped_column(JSON)
