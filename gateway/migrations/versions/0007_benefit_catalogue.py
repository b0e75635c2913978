"""dipa: the catalogue of benefit amounts (benefit_rate), seeded from the package's
gateway/data/benefit_catalogue.json as it stands when the database is migrated

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 18:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    from gateway.service_layer.catalogue import seed_rates

    table = op.create_table(
        "benefit_rate",
        sa.Column("id", ID, nullable=False),
        sa.Column("program", sa.String(length=16), nullable=False),
        sa.Column("component", sa.String(length=32), nullable=True),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_rate")),
    )
    op.bulk_insert(table, [
        {"program": r.program, "component": r.component, "period": r.period,
         "unit": r.unit.value, "amount": r.amount, "legal_basis": r.legal_basis,
         "source": r.source} for r in seed_rates()])


def downgrade() -> None:
    op.drop_table("benefit_rate")
