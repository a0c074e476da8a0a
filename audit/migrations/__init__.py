"""Alembic migrations of the audit store (run programmatically by `audit.migrate`)."""
