"""sync: inbox receipts, national records, decision outbox, node checkpoints, gateway audit

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 22:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
GENESIS = "0" * 64

SQLITE_APPEND_ONLY = [
    """CREATE TRIGGER gateway_audit_entry_no_update BEFORE UPDATE ON gateway_audit_entry
       BEGIN SELECT RAISE(ABORT, 'gateway_audit_entry is append-only'); END""",
    """CREATE TRIGGER gateway_audit_entry_no_delete BEFORE DELETE ON gateway_audit_entry
       BEGIN SELECT RAISE(ABORT, 'gateway_audit_entry is append-only'); END""",
]

POSTGRES_APPEND_ONLY = [
    """CREATE FUNCTION gateway_audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'gateway_audit_entry is append-only'; END $$""",
    """CREATE TRIGGER gateway_audit_entry_append_only BEFORE UPDATE OR DELETE
       ON gateway_audit_entry FOR EACH ROW EXECUTE FUNCTION gateway_audit_entry_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "inbox_receipt",
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("sender_id", sa.String(length=13), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("message_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_inbox_receipt")),
    )
    op.create_index(op.f("ix_inbox_receipt_sender_id"), "inbox_receipt", ["sender_id"])
    op.create_table(
        "national_record",
        sa.Column("region", sa.String(length=13), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("desa_code", sa.String(length=13), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decision_message_id", sa.String(length=64), nullable=True),
        sa.Column("decree_number", sa.Text(), nullable=True),
        sa.Column("decree_date", sa.Date(), nullable=True),
        sa.Column("period", sa.String(length=32), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("region", "record_id", name=op.f("pk_national_record")),
    )
    op.create_index(op.f("ix_national_record_message_id"), "national_record", ["message_id"])
    op.create_table(
        "decision_outbox",
        sa.Column("id", ID, nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=13), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("node_result", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_decision_outbox_message_id")),
    )
    op.create_index("ix_decision_outbox_region_status_id", "decision_outbox",
                    ["region", "status", "id"])
    op.create_table(
        "node_checkpoint",
        sa.Column("region", sa.String(length=13), nullable=False),
        sa.Column("size", ID, autoincrement=False, nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("message_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("region", "size", name=op.f("pk_node_checkpoint")),
    )
    op.create_table(
        "gateway_audit_entry",
        sa.Column("seq", ID, autoincrement=False, nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("before_digest", sa.String(length=64), nullable=True),
        sa.Column("after_digest", sa.String(length=64), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_gateway_audit_entry")),
    )
    op.create_table(
        "gateway_audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", ID, nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_audit_head")),
    )
    op.execute(sa.text("INSERT INTO gateway_audit_head (id, seq, entry_hash) "
                       "VALUES (1, 0, :h)").bindparams(h=GENESIS))
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_APPEND_ONLY if dialect == "sqlite" else POSTGRES_APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER gateway_audit_entry_append_only ON gateway_audit_entry")
        op.execute("DROP FUNCTION gateway_audit_entry_append_only()")
    op.drop_table("gateway_audit_head")
    op.drop_table("gateway_audit_entry")
    op.drop_table("node_checkpoint")
    op.drop_index("ix_decision_outbox_region_status_id", table_name="decision_outbox")
    op.drop_table("decision_outbox")
    op.drop_index(op.f("ix_national_record_message_id"), table_name="national_record")
    op.drop_table("national_record")
    op.drop_index(op.f("ix_inbox_receipt_sender_id"), table_name="inbox_receipt")
    op.drop_table("inbox_receipt")
