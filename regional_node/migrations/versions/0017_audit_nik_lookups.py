"""audit_nik_lookup: the NIKs of a batch looked up in one operation (a partner's crossCheck),
one row each, bound to the operation's one audit entry (action read.nik_lookups) by its
after-digest; append-only, as the chain is

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

SQLITE_APPEND_ONLY = [
    """CREATE TRIGGER audit_nik_lookup_no_update BEFORE UPDATE ON audit_nik_lookup
       BEGIN SELECT RAISE(ABORT, 'audit_nik_lookup is append-only'); END""",
    """CREATE TRIGGER audit_nik_lookup_no_delete BEFORE DELETE ON audit_nik_lookup
       BEGIN SELECT RAISE(ABORT, 'audit_nik_lookup is append-only'); END""",
]

POSTGRES_APPEND_ONLY = [
    """CREATE FUNCTION audit_nik_lookup_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_nik_lookup is append-only'; END $$""",
    """CREATE TRIGGER audit_nik_lookup_append_only BEFORE UPDATE OR DELETE
       ON audit_nik_lookup FOR EACH ROW EXECUTE FUNCTION audit_nik_lookup_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "audit_nik_lookup",
        sa.Column("entry_seq", ID, autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("masked_nik", sa.String(length=16), nullable=False),
        sa.Column("nik_digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["entry_seq"], ["audit_entry.seq"],
                                name=op.f("fk_audit_nik_lookup_entry_seq_audit_entry")),
        sa.PrimaryKeyConstraint("entry_seq", "position", name=op.f("pk_audit_nik_lookup")),
        sqlite_with_rowid=False,
    )
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_APPEND_ONLY if dialect == "sqlite" else POSTGRES_APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_nik_lookup_append_only ON audit_nik_lookup")
        op.execute("DROP FUNCTION audit_nik_lookup_append_only()")
    op.drop_table("audit_nik_lookup")
