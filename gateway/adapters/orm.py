"""SQLAlchemy models of the gateway's national store.

- ``registered_node``: which node serves which kab/kota, where, and how it was last seen.
- ``nik_directory``: keyed hash (HMAC-SHA256) of a NIK → the region holding it. No NIK is
  stored in clear.
- ``rollup_snapshot`` / ``rollup_group``: per-region household counts pulled from the nodes,
  with the time they were taken (``as_of``), to answer national aggregates without fan-out.
- ``gateway_meta``: small key/value facts (e.g. which directory key filled the directory).
- ``inbox_receipt`` / ``national_record``: signed submissions accepted from the nodes, one
  receipt per message (idempotency by message id + digest) and one row per record.
- ``signed_message``: each accepted submission's header and JWS, kept for good, so that the
  gateway can later prove which node sent a record.
- ``decision_outbox``: signed national decisions waiting for (or acknowledged by) their node.
- ``node_checkpoint``: the nodes' signed audit-chain checkpoints, each proven to extend the
  previous one.
- ``gateway_audit_entry`` / ``gateway_audit_head``: the gateway's own hash-chained audit log
  (every inbox accept and refusal with its reason, every decision, user creations, and the
  personal data national and partner users read through the gateway).
- ``gateway_read_record``: what one audited read operation read, in order (households,
  members, NIKs looked up), one row each; the operation's chain entry binds the whole list
  through a digest in its ``detail``, so a row edited, deleted or added breaks verification.
- ``gateway_user``: national and partner staff who log in at the gateway (a role, a scope, a
  scrypt hash of the password).
- ``benefit_rate``: the catalogue of benefit amounts the DIPA is priced with.
- ``targeting_snapshot``: each recorded period's targeting indicator counts per desa.
- ``pocket_run`` / ``poverty_pocket``: each period's national poverty pockets (kab/kota hot
  spots of deprivation) and how they were computed (docs/pockets.md).

Enum-like columns are strings, as in the node.
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
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Id = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

REGION_CODE = String(13)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: DateTime(timezone=True), str: Text(),
                           dict[str, Any]: JSON()}


class GatewayMeta(Base):
    __tablename__ = "gateway_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str]


class RegisteredNode(Base):
    __tablename__ = "registered_node"

    region: Mapped[str] = mapped_column(REGION_CODE, primary_key=True)
    url: Mapped[str]
    # PENDING (never probed), ACTIVE, REFUSED (incompatible; see refused_reason)
    status: Mapped[str] = mapped_column(String(16), default="PENDING")
    refused_reason: Mapped[str | None]
    schema_version: Mapped[str | None] = mapped_column(String(32))
    certificate_fingerprint: Mapped[str | None] = mapped_column(String(64))
    last_seen: Mapped[dt.datetime | None]
    latency_ms: Mapped[float | None] = mapped_column(Float)
    outbox_backlog: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None]
    registered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NikDirectoryEntry(Base):
    """One region that holds a NIK: a NIK held in two regions has two rows (a finding,
    :class:`NikDuplicate`)."""

    __tablename__ = "nik_directory"

    nik_key: Mapped[str] = mapped_column(String(64), primary_key=True)  # hex HMAC-SHA256
    region: Mapped[str] = mapped_column(REGION_CODE, primary_key=True, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NikDuplicate(Base):
    """A NIK the directory finds in more than one region (data ganda lintas wilayah): open
    while it is, resolved when all but one region dropped it. ``version`` counts changes;
    ``notified_version`` the last one signed down to the regions (``told_regions``)."""

    __tablename__ = "nik_duplicate"
    __table_args__ = (Index("ix_nik_duplicate_open_id", "resolved_at", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    nik_key: Mapped[str] = mapped_column(String(64), unique=True)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    told_regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    first_seen_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    resolved_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    notified_version: Mapped[int] = mapped_column(Integer, default=0)


class RollupSnapshot(Base):
    __tablename__ = "rollup_snapshot"

    region: Mapped[str] = mapped_column(REGION_CODE, primary_key=True)
    as_of: Mapped[dt.datetime]


class RollupGroup(Base):
    """Households of one region per (program, status, desil). ``program`` NULL: every
    household once; otherwise the households actively enrolled in that program."""

    __tablename__ = "rollup_group"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    region: Mapped[str] = mapped_column(
        REGION_CODE, ForeignKey("rollup_snapshot.region", ondelete="CASCADE"), index=True)
    program: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    desil: Mapped[int | None] = mapped_column(SmallInteger)
    households: Mapped[int] = mapped_column(Integer)
    members: Mapped[int] = mapped_column(Integer)


MESSAGE_ID = String(64)


class InboxReceipt(Base):
    """One accepted submission (or checkpoint): its id and digest, for idempotency and replay
    refusal. Kept at least as long as the envelope window (30 days); never pruned for now."""

    __tablename__ = "inbox_receipt"

    message_id: Mapped[str] = mapped_column(MESSAGE_ID, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    sender_id: Mapped[str] = mapped_column(REGION_CODE, index=True)
    action: Mapped[str] = mapped_column(String(32))
    kid: Mapped[str] = mapped_column(String(64))
    message_ts: Mapped[dt.datetime]
    record_count: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SignedMessage(Base):
    """What proves who sent a stored submission: its envelope header and JWS, kept for good
    (receipts are pruned). With the message's records (``national_record``, in ``position``
    order) they rebuild the envelope exactly as signed (``gateway.inbox.proof``)."""

    __tablename__ = "signed_message"

    message_id: Mapped[str] = mapped_column(MESSAGE_ID, primary_key=True)
    sender_id: Mapped[str] = mapped_column(REGION_CODE)
    kid: Mapped[str] = mapped_column(String(64))
    header: Mapped[dict[str, Any]]
    signature: Mapped[str]  # JWS compact serialization, detached payload
    record_count: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NationalRecord(Base):
    """A record (an approved proposal) as its region signed it, and what Kemensos decided."""

    __tablename__ = "national_record"

    region: Mapped[str] = mapped_column(REGION_CODE, primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[str] = mapped_column(MESSAGE_ID, index=True)
    position: Mapped[int | None] = mapped_column(Integer)  # in its message; NULL before 0005
    kind: Mapped[str | None] = mapped_column(String(32))
    desa_code: Mapped[str] = mapped_column(REGION_CODE)
    payload: Mapped[dict[str, Any]]
    digest: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # RECEIVED | DETERMINED | RETURNED
    decision_message_id: Mapped[str | None] = mapped_column(MESSAGE_ID)
    decree_number: Mapped[str | None]
    decree_date: Mapped[dt.date | None] = mapped_column(Date)
    period: Mapped[str | None] = mapped_column(String(32))
    return_reason: Mapped[str | None]
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]


class DecisionOutbox(Base):
    """A signed national decision for one region, delivered when that node asks (oldest
    first) and kept until the node acknowledges it."""

    __tablename__ = "decision_outbox"
    __table_args__ = (Index("ix_decision_outbox_region_status_id", "region", "status", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    message_id: Mapped[str] = mapped_column(MESSAGE_ID, unique=True)
    region: Mapped[str] = mapped_column(REGION_CODE)
    kind: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64))
    envelope: Mapped[str]
    record_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # PENDING | ACKNOWLEDGED | REFUSED
    node_result: Mapped[dict[str, Any] | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    fetched_at: Mapped[dt.datetime | None]
    acknowledged_at: Mapped[dt.datetime | None]


class NodeCheckpoint(Base):
    """A node's signed audit-chain checkpoint, accepted only as an extension of the previous."""

    __tablename__ = "node_checkpoint"

    region: Mapped[str] = mapped_column(REGION_CODE, primary_key=True)
    size: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
    head_hash: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(MESSAGE_ID)
    kid: Mapped[str] = mapped_column(String(64))
    message_ts: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class GatewayAuditEntry(Base):
    """One link of the gateway's append-only hash chain (schema.audit_chain), as the node's;
    ``detail`` (the reason of a refusal, say) is covered through ``after_digest``."""

    __tablename__ = "gateway_audit_entry"

    seq: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str]
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before_digest: Mapped[str | None] = mapped_column(String(64))
    after_digest: Mapped[str | None] = mapped_column(String(64))
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None]


class GatewayAuditHead(Base):
    __tablename__ = "gateway_audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Id)
    entry_hash: Mapped[str] = mapped_column(String(64))


class GatewayReadRecord(Base):
    """One record an audited read operation read (``kind`` household / member: its global id
    ``32.73:123``; ``nik``: the masked NIK, with the NIK directory's keyed hash in ``nik_key``),
    at ``position`` in that operation's list. Indexed by record id ("who read household
    32.73:123, when": a join on the entry) and by NIK key ("who looked up this NIK")."""

    __tablename__ = "gateway_read_record"
    __table_args__ = (
        Index("ix_gateway_read_record_nik_key", "nik_key",
              sqlite_where=text("nik_key IS NOT NULL"),
              postgresql_where=text("nik_key IS NOT NULL")),
        {"sqlite_with_rowid": False},
    )

    entry_seq: Mapped[int] = mapped_column(
        Id, ForeignKey("gateway_audit_entry.seq"), primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[str] = mapped_column(String(64), index=True)
    nik_key: Mapped[str | None] = mapped_column(String(64))


class GatewayUser(Base):
    """Someone who logs in at the gateway: Kemensos, a partner ministry (its programs), or
    regional staff using national tools. Only a scrypt hash of the password is stored."""

    __tablename__ = "gateway_user"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(REGION_CODE)
    programs: Mapped[list[str]] = mapped_column(JSON, default=list)
    household_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)  # e.g. ["decide"]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class BenefitRateRow(Base):
    """One amount of the DIPA's catalogue (docs/dipa.md): a program (and PKH component) in a
    year or semester, per unit, with its legal basis. Replaced whole by an import."""

    __tablename__ = "benefit_rate"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program: Mapped[str] = mapped_column(String(16))
    component: Mapped[str | None] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(7))
    unit: Mapped[str] = mapped_column(String(32))
    amount: Mapped[int] = mapped_column(BigInteger)
    legal_basis: Mapped[str]
    source: Mapped[str | None]
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TargetingSnapshotRow(Base):
    """One desa's targeting indicator counts in one period (docs/targeting.md), as
    :func:`schema.targeting.to_plain` writes them; a period recorded again replaces the rows
    of the kab/kota whose node answered."""

    __tablename__ = "targeting_snapshot"
    __table_args__ = (Index("ix_targeting_snapshot_kabkota_code", "period", "kabkota_code"),)

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    desa_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    kabkota_code: Mapped[str] = mapped_column(String(5))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DecileRun(Base):
    """One national decile computation (docs/deciles.md): the cut points, N, the rounds of
    counts it took (what was asked, how many nodes answered, how long) and the households
    per desil of every kab/kota."""

    __tablename__ = "decile_run"

    cut_set_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str]
    households: Mapped[int] = mapped_column(BigInteger)
    cuts: Mapped[list[int]] = mapped_column(JSON)
    rounds: Mapped[int] = mapped_column(Integer)
    round_log: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    regions: Mapped[dict[str, Any]] = mapped_column(JSON)  # region → households per desil


class PocketRun(Base):
    """One computation of a period's national poverty pockets (docs/pockets.md): with what
    significance, permutations and seed, over how many kab/kota, on which boundary file."""

    __tablename__ = "pocket_run"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    alpha: Mapped[float] = mapped_column(Float)
    permutations: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    regions_analysed: Mapped[int] = mapped_column(Integer)
    boundary_sha256: Mapped[str] = mapped_column(String(64))
    previous_period: Mapped[str | None] = mapped_column(String(7))


class PovertyPocket(Base):
    """A kab/kota flagged as a hot spot of deprivation in a period, with why."""

    __tablename__ = "poverty_pocket"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    period: Mapped[str] = mapped_column(
        String(7), ForeignKey("pocket_run.period", ondelete="CASCADE"), index=True)
    kabkota_code: Mapped[str] = mapped_column(REGION_CODE)
    households: Mapped[int] = mapped_column(Integer)
    poor_households: Mapped[int] = mapped_column(Integer)
    share: Mapped[float] = mapped_column(Float)
    neighbourhood_share: Mapped[float] = mapped_column(Float)
    z_score: Mapped[float] = mapped_column(Float)
    p_value: Mapped[float] = mapped_column(Float)
    is_new: Mapped[bool] = mapped_column(Boolean)
    reason_id: Mapped[str]
    reason_en: Mapped[str]


class BenefitRuleRow(Base):
    """One double-benefit rule (docs/partners.md): ``program`` excludes ``excludes`` for the
    same person or household. Replaced whole by an import."""

    __tablename__ = "benefit_rule"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program: Mapped[str] = mapped_column(String(32))
    excludes: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(16))
    legal_basis: Mapped[str]
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CrossCheckJobRow(Base):
    """A partner's cross-check job (docs/partners.md): its owner, state and progress; the
    NIK list (zlib) while it runs, the result file (zlib CSV) while its download is open."""

    __tablename__ = "cross_check_job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(128), index=True)
    principal: Mapped[dict[str, Any]]  # whom the nodes are asked for (the owner's token)
    program: Mapped[str | None] = mapped_column(String(32))  # the partner's, for the rules
    state: Mapped[str] = mapped_column(String(16))
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    niks_sha256: Mapped[str] = mapped_column(String(64))
    missing_regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    niks: Mapped[bytes | None] = mapped_column(LargeBinary)
    result: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime]
