"""household_cluster_run, household_cluster: clusters of poor households per period
(docs/pockets.md)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 21:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "household_cluster_run",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("min_cluster_size", sa.Integer(), nullable=False),
        sa.Column("alpha", sa.Float(), nullable=False),
        sa.Column("permutations", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("poor_households", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("previous_period", sa.String(length=7), nullable=True),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_household_cluster_run")),
    )
    op.create_table(
        "household_cluster",
        sa.Column("id", ID, nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("desa_codes", sa.JSON(), nullable=False),
        sa.Column("households_in_area", sa.Integer(), nullable=False),
        sa.Column("poor_in_area", sa.Integer(), nullable=False),
        sa.Column("kabkota_share", sa.Float(), nullable=False),
        sa.Column("p_value", sa.Float(), nullable=False),
        sa.Column("is_new", sa.Boolean(), nullable=False),
        sa.Column("reason_id", sa.Text(), nullable=False),
        sa.Column("reason_en", sa.Text(), nullable=False),
        sa.Column("household_ids", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["period"], ["household_cluster_run.period"],
                                ondelete="CASCADE",
                                name=op.f("fk_household_cluster_period_household_cluster_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_cluster")),
    )
    op.create_index(op.f("ix_household_cluster_period"), "household_cluster", ["period"])


def downgrade() -> None:
    op.drop_index(op.f("ix_household_cluster_period"), table_name="household_cluster")
    op.drop_table("household_cluster")
    op.drop_table("household_cluster_run")
