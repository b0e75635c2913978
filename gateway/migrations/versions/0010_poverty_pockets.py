"""pocket_run, poverty_pocket: the national poverty pockets of each period (docs/pockets.md)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 21:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "pocket_run",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alpha", sa.Float(), nullable=False),
        sa.Column("permutations", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("regions_analysed", sa.Integer(), nullable=False),
        sa.Column("boundary_sha256", sa.String(length=64), nullable=False),
        sa.Column("previous_period", sa.String(length=7), nullable=True),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_pocket_run")),
    )
    op.create_table(
        "poverty_pocket",
        sa.Column("id", ID, nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("kabkota_code", sa.String(length=13), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("poor_households", sa.Integer(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("neighbourhood_share", sa.Float(), nullable=False),
        sa.Column("z_score", sa.Float(), nullable=False),
        sa.Column("p_value", sa.Float(), nullable=False),
        sa.Column("is_new", sa.Boolean(), nullable=False),
        sa.Column("reason_id", sa.Text(), nullable=False),
        sa.Column("reason_en", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["period"], ["pocket_run.period"], ondelete="CASCADE",
                                name=op.f("fk_poverty_pocket_period_pocket_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poverty_pocket")),
    )
    op.create_index(op.f("ix_poverty_pocket_period"), "poverty_pocket", ["period"])


def downgrade() -> None:
    op.drop_index(op.f("ix_poverty_pocket_period"), table_name="poverty_pocket")
    op.drop_table("poverty_pocket")
    op.drop_table("pocket_run")
