"""program_membership: drop ix_program_membership_household_id

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 03:10:00

The unique constraint uq_program_membership_scope (household_id, member_id, program, period)
starts with household_id: its index serves every look-up by household (a household's programs,
the foreign key's checks when a household is deleted), so the single-column index only cost an
extra index entry per program row written (~20 % of a bulk COPY into the table).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("program_membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_membership_household_id"))


def downgrade() -> None:
    with op.batch_alter_table("program_membership", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_membership_household_id"), ["household_id"], unique=False
        )
