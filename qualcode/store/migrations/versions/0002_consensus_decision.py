"""consensus decisions: how each segment's consensus was reached

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consensus_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transcript_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("how", sa.String(length=220), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["segment.id"],
            name=op.f("fk_consensus_decision_segment_id_segment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["transcript_id"],
            ["transcript.id"],
            name=op.f("fk_consensus_decision_transcript_id_transcript"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consensus_decision")),
        sa.UniqueConstraint("segment_id", name=op.f("uq_consensus_decision_segment_id")),
    )
    with op.batch_alter_table("consensus_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consensus_decision_transcript_id"), ["transcript_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("consensus_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consensus_decision_transcript_id"))
    op.drop_table("consensus_decision")
