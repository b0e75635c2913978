"""audit: reads per operation — what each audited read operation read, beside its chain entry

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 01:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

SQLITE_APPEND_ONLY = [
    """CREATE TRIGGER gateway_read_record_no_update BEFORE UPDATE ON gateway_read_record
       BEGIN SELECT RAISE(ABORT, 'gateway_read_record is append-only'); END""",
    """CREATE TRIGGER gateway_read_record_no_delete BEFORE DELETE ON gateway_read_record
       BEGIN SELECT RAISE(ABORT, 'gateway_read_record is append-only'); END""",
]

POSTGRES_APPEND_ONLY = [
    """CREATE FUNCTION gateway_read_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'gateway_read_record is append-only'; END $$""",
    """CREATE TRIGGER gateway_read_record_append_only BEFORE UPDATE OR DELETE
       ON gateway_read_record FOR EACH ROW EXECUTE FUNCTION gateway_read_record_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "gateway_read_record",
        sa.Column("entry_seq", ID, autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("nik_key", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["entry_seq"], ["gateway_audit_entry.seq"],
                                name=op.f("fk_gateway_read_record_entry_seq_gateway_audit_entry")),
        sa.PrimaryKeyConstraint("entry_seq", "position", name=op.f("pk_gateway_read_record")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_gateway_read_record_record_id"), "gateway_read_record",
                    ["record_id"])
    op.create_index("ix_gateway_read_record_nik_key", "gateway_read_record", ["nik_key"],
                    sqlite_where=sa.text("nik_key IS NOT NULL"),
                    postgresql_where=sa.text("nik_key IS NOT NULL"))
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_APPEND_ONLY if dialect == "sqlite" else POSTGRES_APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER gateway_read_record_append_only ON gateway_read_record")
        op.execute("DROP FUNCTION gateway_read_record_append_only()")
    op.drop_index("ix_gateway_read_record_nik_key", table_name="gateway_read_record")
    op.drop_index(op.f("ix_gateway_read_record_record_id"), table_name="gateway_read_record")
    op.drop_table("gateway_read_record")
