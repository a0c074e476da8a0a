"""The dashboard's only door to the audit store: cached, read-only queries and review/alert actions.

Pages import this package, never `audit` itself. Every query takes the store
URL first (so results are cached per store) and raises `DataError` with a
one-line message when the store cannot be read.
"""

from airlock.dashboard.data.conn import DataError, DbInfo, check, configured_url

__all__ = ["DataError", "DbInfo", "check", "configured_url"]
