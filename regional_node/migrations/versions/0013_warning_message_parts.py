"""household_warning.message_parts: a warning's message as its msgid and values

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 21:10:00

A stored warning is shown in the reader's language (docs/import.md, "Messages"): the
``import`` catalogue's English msgid and the placeholders' values are kept, and rendered when
read. ``message`` keeps the Indonesian / English text (and is all that older rows have).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("household_warning", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_parts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("household_warning", schema=None) as batch_op:
        batch_op.drop_column("message_parts")
