"""pmt_score.score_q: the score quantised as the national deciles count it (millionths,
half to even, ``schema.deciles.quantise``), indexed, so that a node's decile counts are index
range scans without per-row arithmetic (docs/deciles.md). Every writer of ``pmt_score`` sets
it; this migration fills it for the rows already stored (quantised in Python, exactly).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
#: ``schema.deciles.quantise`` as of this revision (a migration does not follow later code)
SCALE, LOWEST, HIGHEST = 10 ** 6, -(2 ** 52), 2 ** 52


def quantise(score: float) -> int:
    return max(LOWEST, min(HIGHEST - 1, round(score * SCALE)))


def upgrade() -> None:
    with op.batch_alter_table("pmt_score", schema=None) as batch_op:
        batch_op.add_column(sa.Column("score_q", sa.BigInteger(), nullable=True))
    _backfill()
    with op.batch_alter_table("pmt_score", schema=None) as batch_op:
        batch_op.alter_column("score_q", existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_index(batch_op.f("ix_pmt_score_score_q"), ["score_q"], unique=False)


def _backfill() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT household_id, score FROM pmt_score")).all()
    update = sa.text("UPDATE pmt_score SET score_q = :q WHERE household_id = :h")
    for start in range(0, len(rows), BATCH):
        connection.execute(update, [{"q": quantise(score), "h": household_id}
                                    for household_id, score in rows[start:start + BATCH]])


def downgrade() -> None:
    with op.batch_alter_table("pmt_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pmt_score_score_q"))
        batch_op.drop_column("score_q")
