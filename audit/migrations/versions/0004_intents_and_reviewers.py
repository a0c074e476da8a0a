"""Runs recorded before they start, byte-exact code, reviewer accounts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

`pending_runs` holds one row per run that was recorded as intended but has no
result yet (deleted in the transaction that records the result); a row left
behind by a crash is what `history` shows as "interrupted". `screenings.code_b64`
keeps the exact bytes of code a text column cannot hold (NUL). `reviewers` are
the accounts whose tokens (stored as SHA-256) may decide reviews.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add code_b64, pending_runs and reviewers."""
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_b64", sa.Text(), nullable=True))
    op.create_table(
        "pending_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["screening_id"], ["screenings.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pending_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pending_runs_screening_id"), ["screening_id"], unique=False
        )
    op.create_table(
        "reviewers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reviewers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviewers_name"), ["name"], unique=True)
        batch_op.create_index(
            batch_op.f("ix_reviewers_token_sha256"), ["token_sha256"], unique=True
        )


def downgrade() -> None:
    """Drop them again."""
    op.drop_table("reviewers")
    op.drop_table("pending_runs")
    op.drop_column("screenings", "code_b64")
