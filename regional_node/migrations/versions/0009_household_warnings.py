"""household_warning: implausible but possible data, kept with the household to review

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 18:15:00

A warning does not block an import: it is stored with the household (and the member it is
about), listed for Dinas Sosial by kind and region, and resolved with a note (audited).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "household_warning",
        sa.Column("id", ID, nullable=False),
        sa.Column("household_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=True),
        sa.Column("desa_code", sa.String(length=13), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"],
                                name=op.f("fk_household_warning_household_id_household")),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name=op.f("fk_household_warning_member_id_member")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_warning")),
    )
    op.create_index(op.f("ix_household_warning_household_id"), "household_warning",
                    ["household_id"])
    op.create_index("ix_household_warning_open_desa", "household_warning",
                    ["resolved_at", "desa_code"])


def downgrade() -> None:
    op.drop_index("ix_household_warning_open_desa", table_name="household_warning")
    op.drop_index(op.f("ix_household_warning_household_id"), table_name="household_warning")
    op.drop_table("household_warning")
