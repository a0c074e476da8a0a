"""Hash versions: every chained record names the encoding its hash was computed with.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

Records already in the store were hashed with encoding 1 (see `audit.encoding`),
so the new column defaults to 1 and existing chains keep verifying.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHAINED = ("screenings", "executions", "reviews", "alerts", "alert_changes")


def upgrade() -> None:
    """Add `hash_version` (1 for every existing record) to each chained table."""
    for table in CHAINED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("hash_version", sa.Integer(), nullable=False, server_default="1")
            )


def downgrade() -> None:
    """Drop it again (a plain DROP COLUMN, SQLite >= 3.35: a batch rebuild of
    screenings would trip the findings' foreign key)."""
    for table in reversed(CHAINED):
        op.drop_column(table, "hash_version")
