"""SQLAlchemy models of the gateway's national store.

- ``registered_node``: which node serves which kab/kota, where, and how it was last seen.
- ``nik_directory``: keyed hash (HMAC-SHA256) of a NIK → the region holding it. No NIK is
  stored in clear.
- ``rollup_snapshot`` / ``rollup_group``: per-region household counts pulled from the nodes,
  with the time they were taken (``as_of``), to answer national aggregates without fan-out.
- ``gateway_meta``: small key/value facts (e.g. which directory key filled the directory).

Enum-like columns are strings, as in the node.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
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
    type_annotation_map = {dt.datetime: DateTime(timezone=True), str: Text()}


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
    __tablename__ = "nik_directory"

    nik_key: Mapped[str] = mapped_column(String(64), primary_key=True)  # hex HMAC-SHA256
    region: Mapped[str] = mapped_column(REGION_CODE, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


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
