"""community reports (usul, sanggah) and offline imports

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 22:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "community_report",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("desa_code", sa.String(length=13), nullable=False),
        sa.Column("person_name", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=True),
        sa.Column("kk_number", sa.String(length=16), nullable=True),
        sa.Column("program", sa.String(length=32), nullable=True),
        sa.Column("photo_sha256", sa.String(length=64), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("outside_regency", sa.Boolean(), nullable=True),
        sa.Column("submitter_name", sa.Text(), nullable=True),
        sa.Column("submitter_contact", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.Text(), nullable=False),
        sa.Column("submitted_role", sa.String(length=32), nullable=False),
        sa.Column("content_digest", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("proposal_id", sa.String(length=36), nullable=True),
        sa.Column("closed_by", sa.Text(), nullable=True),
        sa.Column("closed_role", sa.String(length=32), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["photo_sha256"], ["attachment.sha256"],
                                name=op.f("fk_community_report_photo_sha256_attachment")),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"],
                                name=op.f("fk_community_report_proposal_id_proposal")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_report")),
    )
    op.create_index(op.f("ix_community_report_desa_code"), "community_report", ["desa_code"])
    op.create_index(op.f("ix_community_report_due_at"), "community_report", ["due_at"])
    op.create_index(op.f("ix_community_report_proposal_id"), "community_report",
                    ["proposal_id"])
    op.create_index(op.f("ix_community_report_status"), "community_report", ["status"])
    op.create_index("ix_community_report_received_at_id", "community_report",
                    ["received_at", "id"])
    op.create_table(
        "offline_import",
        sa.Column("id", ID, nullable=False),
        sa.Column("package_id", sa.String(length=36), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("desa_code", sa.String(length=13), nullable=False),
        sa.Column("imported_by", sa.Text(), nullable=False),
        sa.Column("imported_role", sa.String(length=32), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied", sa.Integer(), nullable=False),
        sa.Column("already_applied", sa.Integer(), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offline_import")),
    )
    op.create_index(op.f("ix_offline_import_package_id"), "offline_import", ["package_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_offline_import_package_id"), table_name="offline_import")
    op.drop_table("offline_import")
    op.drop_index("ix_community_report_received_at_id", table_name="community_report")
    op.drop_index(op.f("ix_community_report_status"), table_name="community_report")
    op.drop_index(op.f("ix_community_report_proposal_id"), table_name="community_report")
    op.drop_index(op.f("ix_community_report_due_at"), table_name="community_report")
    op.drop_index(op.f("ix_community_report_desa_code"), table_name="community_report")
    op.drop_table("community_report")
