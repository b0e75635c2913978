"""identity: a gateway user's permissions (decide: sign national decisions)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 15:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("gateway_user") as batch:
        batch.add_column(sa.Column("permissions", sa.JSON(), nullable=False,
                                   server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("gateway_user") as batch:
        batch.drop_column("permissions")
