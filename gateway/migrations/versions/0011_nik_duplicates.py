"""directory: every region that holds a NIK (primary key nik_key, region) and the
cross-region duplicates found in it (nik_duplicate)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 21:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("nik_directory", recreate="always") as batch_op:
        batch_op.drop_constraint("pk_nik_directory", type_="primary")
        batch_op.create_primary_key("pk_nik_directory", ["nik_key", "region"])
    op.create_table(
        "nik_duplicate",
        sa.Column("id", ID, nullable=False),
        sa.Column("nik_key", sa.String(length=64), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("told_regions", sa.JSON(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("notified_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nik_duplicate")),
        sa.UniqueConstraint("nik_key", name=op.f("uq_nik_duplicate_nik_key")),
    )
    op.create_index("ix_nik_duplicate_open_id", "nik_duplicate", ["resolved_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_nik_duplicate_open_id", table_name="nik_duplicate")
    op.drop_table("nik_duplicate")
    # one region per NIK again: the lowest code stays
    op.execute("DELETE FROM nik_directory WHERE EXISTS (SELECT 1 FROM nik_directory other "
               "WHERE other.nik_key = nik_directory.nik_key AND other.region < nik_directory.region)")
    with op.batch_alter_table("nik_directory", recreate="always") as batch_op:
        batch_op.drop_constraint("pk_nik_directory", type_="primary")
        batch_op.create_primary_key("pk_nik_directory", ["nik_key"])
