"""cross_region_duplicate: the gateway's findings of a NIK of this node held by another region
too (docs/duplicates.md), each with the member it names and the warning it opened;
nik_announcement: the members' NIKs the gateway's directory was told of (the others wait)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cross_region_duplicate",
        sa.Column("finding_id", ID, autoincrement=False, nullable=False),
        sa.Column("nik_key", sa.String(length=64), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("member_id", ID, nullable=True),
        sa.Column("warning_id", ID, nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name=op.f("fk_cross_region_duplicate_member_id_member")),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["household_warning.id"],
            name=op.f("fk_cross_region_duplicate_warning_id_household_warning")),
        sa.PrimaryKeyConstraint("finding_id", name=op.f("pk_cross_region_duplicate")),
    )
    op.create_index(op.f("ix_cross_region_duplicate_nik_key"), "cross_region_duplicate",
                    ["nik_key"])
    op.create_table(
        "nik_announcement",
        sa.Column("member_id", ID, autoincrement=False, nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name=op.f("fk_nik_announcement_member_id_member")),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_nik_announcement")),
    )


def downgrade() -> None:
    op.drop_table("nik_announcement")
    op.drop_index(op.f("ix_cross_region_duplicate_nik_key"),
                  table_name="cross_region_duplicate")
    op.drop_table("cross_region_duplicate")
