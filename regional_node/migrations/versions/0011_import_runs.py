"""import_run: what each import did, refused households included (the data-quality summary)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 18:45:00

An all-or-nothing import that found errors stores no household, so what it refused is kept
here, in its own transaction after the import: who, when, which file, how many rows and
households were read, stored and refused, and the errors by reason.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "import_run",
        sa.Column("id", ID, nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("imported_by", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("households_read", sa.Integer(), nullable=False),
        sa.Column("households_stored", sa.Integer(), nullable=False),
        sa.Column("households_refused", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("warnings_stored", sa.Integer(), nullable=False),
        sa.Column("errors_by_reason", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_run")),
    )


def downgrade() -> None:
    op.drop_table("import_run")
