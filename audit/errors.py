"""The store's errors, each a single line a person can act on."""

from __future__ import annotations

import errno
import os


class StoreError(Exception):
    """The audit store cannot do what was asked (bad URL, unreadable file, locked, full disk…)."""


class NotFoundError(StoreError):
    """No record with that id."""


def explain(exc: BaseException, path: str | None = None) -> str:
    """One line describing a database or OS failure, without driver noise.

    `path` is the SQLite file, when there is one, to tell "read-only" from "missing".
    """
    if isinstance(exc, StoreError):
        return str(exc)
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split()) or type(orig).__name__
    low = text.lower()
    if (
        isinstance(orig, OSError) and orig.errno == errno.ENOSPC
    ) or "database or disk is full" in low:
        return "the disk holding the database is full"
    if "disk i/o error" in low:
        return "disk I/O error on the database file (is the disk full or failing?)"
    if "database is locked" in low or "lock timeout" in low or "lock_timeout" in low:
        return "the database is locked by another writer (waited and gave up; try again)"
    if "readonly database" in low or "read-only" in low or "permission denied" in low:
        return f"the database is read-only: {text}"
    if "file is not a database" in low or "malformed" in low:
        return "the database file is corrupt or not an SQLite database"
    if "unable to open database file" in low:
        if path and os.path.exists(path) and not os.access(os.path.dirname(path) or ".", os.W_OK):
            return (
                f"the database {path} is on a read-only file system or directory "
                "(SQLite needs to write its -wal/-shm files next to it)"
            )
        return "cannot open the database file (check the path and permissions)"
    if "connection" in low and ("refused" in low or "failed" in low):
        return f"cannot connect to the database server: {text.splitlines()[0][:200]}"
    return text[:300]


class AuthError(Exception):
    """No valid reviewer credential for a decision that needs a person (or a forbidden one)."""
