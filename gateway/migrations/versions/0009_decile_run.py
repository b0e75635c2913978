"""decile_run: national decile computations (docs/deciles.md): cut points, N, the rounds
of counts, and households per desil of every kab/kota

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 21:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decile_run",
        sa.Column("cut_set_id", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("households", sa.BigInteger(), nullable=False),
        sa.Column("cuts", sa.JSON(), nullable=False),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("round_log", sa.JSON(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("cut_set_id", name=op.f("pk_decile_run")),
    )
    with op.batch_alter_table("decile_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decile_run_computed_at"), ["computed_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("decile_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decile_run_computed_at"))
    op.drop_table("decile_run")
