"""member.registry_finding: what Dukcapil said, kept for the operator to act on

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 18:30:00

The last check's outcome when it was not a clean match: which fields differ, the registry's
value of each (and the death date it records), so an operator can put the record right
instead of guessing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("registry_finding", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("registry_finding")
