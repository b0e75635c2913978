"""identity: users who log in at the gateway

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 22:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gateway_user",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=13), nullable=True),
        sa.Column("programs", sa.JSON(), nullable=False),
        sa.Column("household_ids", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_user")),
        sa.UniqueConstraint("username", name=op.f("uq_gateway_user_username")),
    )


def downgrade() -> None:
    op.drop_table("gateway_user")
