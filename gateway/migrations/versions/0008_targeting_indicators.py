"""targeting: each period's targeting indicator counts per desa (targeting_snapshot), so
that a query shows how they moved between two periods (docs/targeting.md)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 21:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "targeting_snapshot",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("desa_code", sa.String(length=13), nullable=False),
        sa.Column("kabkota_code", sa.String(length=5), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("period", "desa_code", name=op.f("pk_targeting_snapshot")),
    )
    op.create_index(op.f("ix_targeting_snapshot_kabkota_code"), "targeting_snapshot",
                    ["period", "kabkota_code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_targeting_snapshot_kabkota_code"), table_name="targeting_snapshot")
    op.drop_table("targeting_snapshot")
