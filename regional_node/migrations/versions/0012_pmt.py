"""pmt_model, pmt_score, pmt_run: the proxy means test at the node (docs/pmt.md)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 19:15:00

- ``pmt_model``: loaded model files (version, description, the document); the newest is
  active, and until one is loaded the default model shipped with the package is.
- ``pmt_score``: one score per household with the version of the model that computed it.
- ``pmt_run``: each recompute of every household: counts and a digest of the scores written.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "pmt_model",
        sa.Column("id", ID, nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pmt_model")),
        sa.UniqueConstraint("version", name=op.f("uq_pmt_model_version")),
    )
    op.create_table(
        "pmt_score",
        sa.Column("household_id", ID, autoincrement=False, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"],
                                name=op.f("fk_pmt_score_household_id_household")),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_pmt_score")),
    )
    op.create_index(op.f("ix_pmt_score_model_version"), "pmt_score", ["model_version"])
    op.create_table(
        "pmt_run",
        sa.Column("id", ID, nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("scores_digest", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pmt_run")),
    )


def downgrade() -> None:
    op.drop_table("pmt_run")
    op.drop_index(op.f("ix_pmt_score_model_version"), table_name="pmt_score")
    op.drop_table("pmt_score")
    op.drop_table("pmt_model")
