"""Reviewer accounts bound to an OpenID Connect identity (issuer + subject).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

A dashboard sign-in through Streamlit's `st.login` acts as the reviewer whose
`oidc_issuer` and `oidc_subject` are the verified ID token's `iss` and `sub`; the
partial unique index lets at most one live (unrevoked) account hold an identity.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "revoked_at IS NULL AND oidc_subject IS NOT NULL"


def upgrade() -> None:
    """Add `reviewers.oidc_issuer`, `reviewers.oidc_subject` and their live-account index."""
    op.add_column("reviewers", sa.Column("oidc_issuer", sa.String(length=500), nullable=True))
    op.add_column("reviewers", sa.Column("oidc_subject", sa.String(length=255), nullable=True))
    op.create_index(
        "ix_reviewers_oidc_live",
        "reviewers",
        ["oidc_issuer", "oidc_subject"],
        unique=True,
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_reviewers_oidc_live", table_name="reviewers")
    op.drop_column("reviewers", "oidc_subject")  # plain ALTER TABLE: SQLite keeps the table
    op.drop_column("reviewers", "oidc_issuer")
