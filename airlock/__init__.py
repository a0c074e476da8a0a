"""Airlock: static analysis, confined execution and an audit trail for Python written by AI agents.

    >>> from airlock import scan, run, guard
    >>> scan("print(1)").verdict.value
    'allow'

The front door: ``scan`` (the analyzer), ``run`` (the confined executor) and ``guard``
(screen, gate, run and record). The names load on first use, so importing ``airlock``,
or one of its floors (``airlock.analyzer``, ``airlock.executor``, ``airlock.audit``),
costs only what that floor needs.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the executor's spawner imports this package
if TYPE_CHECKING:
    from airlock.analyzer import extract_code, scan
    from airlock.audit import guard, guard_reply
    from airlock.executor import Limits, run

_EXPORTS = {
    "scan": "airlock.analyzer",
    "extract_code": "airlock.analyzer",
    "run": "airlock.executor",
    "Limits": "airlock.executor",
    "guard": "airlock.audit",
    "guard_reply": "airlock.audit",
}

__all__ = ["Limits", "extract_code", "guard", "guard_reply", "run", "scan"]


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'airlock' has no attribute {name!r}")
