"""Airlock's audit trail: the store, alerts, reviews and the screen → gate → run → record pipeline.

The public names are imported lazily so that `airlock scan` does not pay for
SQLAlchemy: `from audit import guard, guard_reply, Store, GuardResult`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from audit.errors import NotFoundError, StoreError
    from audit.pipeline import GatePolicy, GuardResult, guard, guard_reply
    from audit.queries import ScreeningFilter
    from audit.store import Store

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
    "GatePolicy": "audit.pipeline",
    "GuardResult": "audit.pipeline",
    "guard": "audit.pipeline",
    "guard_reply": "audit.pipeline",
    "Store": "audit.store",
    "ScreeningFilter": "audit.queries",
    "StoreError": "audit.errors",
    "NotFoundError": "audit.errors",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        import importlib

        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'audit' has no attribute {name!r}")
