"""Composite indexes for the dashboard: verdict / agent over time, live findings by rule.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Index screenings by (verdict, created_at) and (agent_id, created_at); findings by
    (rule_id, suppressed, screening_id), replacing the unselective index on suppressed."""
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.create_index("ix_screenings_verdict_created", ["verdict", "created_at"])
        batch_op.create_index("ix_screenings_agent_created", ["agent_id", "created_at"])
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index("ix_findings_suppressed")
        batch_op.create_index("ix_findings_rule_live", ["rule_id", "suppressed", "screening_id"])


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index("ix_findings_rule_live")
        batch_op.create_index("ix_findings_suppressed", ["suppressed"])
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.drop_index("ix_screenings_agent_created")
        batch_op.drop_index("ix_screenings_verdict_created")
