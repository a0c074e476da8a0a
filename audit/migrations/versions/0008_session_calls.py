"""Session calls: a screening's call number within its session; a run's value and displays.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add `screenings.call_index`, `executions.value` and `executions.display`."""
    op.add_column("screenings", sa.Column("call_index", sa.Integer(), nullable=True))
    op.add_column("executions", sa.Column("value", sa.Text(), nullable=True))
    op.add_column("executions", sa.Column("display", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop them."""
    op.drop_column("executions", "display")  # plain ALTER TABLE: SQLite keeps the table
    op.drop_column("executions", "value")
    op.drop_column("screenings", "call_index")
