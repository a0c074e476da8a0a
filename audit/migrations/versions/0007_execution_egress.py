"""A run's egress attempts: what the host-side proxy saw for an allow-list run.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

`executions.egress` holds the attempts (host, port, method, allowed, reason, address,
bytes each way, times) and `egress_count` how many there were, listed or not. Records
hashed before this (hash_version 1) do not cover them and keep verifying; new ones are
hashed with version 2, which does (`audit.encoding`).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add `egress` and `egress_count` (0 for every existing run) to `executions`."""
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("egress", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("egress_count", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    """Drop them again (a plain DROP COLUMN, as 0003's downgrade does)."""
    op.drop_column("executions", "egress_count")
    op.drop_column("executions", "egress")
