"""Airlock's audit trail: the store, alerts, reviews and the screen → gate → run → record pipeline.

The public names are imported lazily so that `airlock scan` does not pay for
SQLAlchemy: `from airlock.audit import guard, guard_reply, Store, GuardResult`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airlock.audit.errors import NotFoundError, StoreError
    from airlock.audit.pipeline import GatePolicy, GuardResult, guard, guard_reply
    from airlock.audit.queries import ScreeningFilter
    from airlock.audit.store import Store

__all__ = [
    "GatePolicy",
    "GuardResult",
    "NotFoundError",
    "ScreeningFilter",
    "Store",
    "StoreError",
    "guard",
    "guard_reply",
]

_HOME = {
    "GatePolicy": "airlock.audit.pipeline",
    "GuardResult": "airlock.audit.pipeline",
    "guard": "airlock.audit.pipeline",
    "guard_reply": "airlock.audit.pipeline",
    "Store": "airlock.audit.store",
    "ScreeningFilter": "airlock.audit.queries",
    "StoreError": "airlock.audit.errors",
    "NotFoundError": "airlock.audit.errors",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        import importlib

        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'airlock.audit' has no attribute {name!r}")
