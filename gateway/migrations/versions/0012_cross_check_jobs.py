"""partners: the double-benefit rule table (benefit_rule, seeded from the package's
gateway/data/benefit_rules.json) and the cross-check jobs (cross_check_job)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 21:00:00

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
    from gateway.service_layer.benefit_rules import seed_rules

    rules = op.create_table(
        "benefit_rule",
        sa.Column("id", ID, nullable=False),
        sa.Column("program", sa.String(length=32), nullable=False),
        sa.Column("excludes", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_rule")),
    )
    op.bulk_insert(rules, [{"program": r.program, "excludes": r.excludes,
                            "scope": r.scope.value, "legal_basis": r.legal_basis}
                           for r in seed_rules()])
    op.create_table(
        "cross_check_job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("principal", sa.JSON(), nullable=False),
        sa.Column("program", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("niks_sha256", sa.String(length=64), nullable=False),
        sa.Column("missing_regions", sa.JSON(), nullable=False),
        sa.Column("niks", sa.LargeBinary(), nullable=True),
        sa.Column("result", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cross_check_job")),
    )
    op.create_index(op.f("ix_cross_check_job_owner"), "cross_check_job", ["owner"])


def downgrade() -> None:
    op.drop_index(op.f("ix_cross_check_job_owner"), table_name="cross_check_job")
    op.drop_table("cross_check_job")
    op.drop_table("benefit_rule")
