"""what a national decision leaves behind: enrolments tied to their proposal, households to
review, corrected proposals tied to the returned one

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 18:00:00

- ``program_membership.proposal_id``: the PROGRAM_ENROLMENT proposal whose approval created
  the membership (null: in the DTKS by import or seed). Until that proposal is DETERMINED the
  membership is not determined: it is left out of DIPA, and a return ends it.
- ``household.review_reason`` / ``review_proposal_id``: a returned change that could not be
  undone safely (the household changed since), for Dinas Sosial to review.
- ``proposal.corrects_id``: the RETURNED proposal a new proposal corrects.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("program_membership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proposal_id", sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_program_membership_proposal_id_proposal"), "proposal",
            ["proposal_id"], ["id"])
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("review_proposal_id", sa.String(length=36),
                                      nullable=True))
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("corrects_id", sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_proposal_corrects_id_proposal"), "proposal", ["corrects_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_proposal_corrects_id"), ["corrects_id"])


def downgrade() -> None:
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_corrects_id"))
        batch_op.drop_constraint(batch_op.f("fk_proposal_corrects_id_proposal"),
                                 type_="foreignkey")
        batch_op.drop_column("corrects_id")
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.drop_column("review_proposal_id")
        batch_op.drop_column("review_reason")
    with op.batch_alter_table("program_membership", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_program_membership_proposal_id_proposal"),
                                 type_="foreignkey")
        batch_op.drop_column("proposal_id")
