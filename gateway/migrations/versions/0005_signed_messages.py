"""inbox: keep each accepted submission's header and JWS (signed_message) and each record's
position in its message, so that the gateway can later prove which node sent a record

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 15:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signed_message",
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("sender_id", sa.String(length=13), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("header", sa.JSON(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_signed_message")),
    )
    op.add_column("national_record", sa.Column("position", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("national_record", "position")
    op.drop_table("signed_message")
