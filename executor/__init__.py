r"""Airlock's executor: run agent-written Python in a confined, short-lived subprocess.

    >>> from airlock.executor import run, Limits
    >>> r = run("print(6 * 7)", limits=Limits(timeout_s=5))
    >>> r.stdout, r.exit_code, [str(layer) for layer in r.layers if layer.status != "active"]
    ('42\n', 0, [])

``run`` returns an ExecutionResult that lists which isolation layers were in force and
refuses (``refused="<layer>: <reason>"``) when a layer the SandboxPolicy requires is
missing, unless ``allow_degraded=True``. ``probe_layers()`` says what this machine offers;
``executor.probe.unavailable(layer="reason")`` simulates a missing layer in tests.
Per-phase costs in milliseconds are in ``ExecutionResult.timing``.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the spawner ~10 ms
if TYPE_CHECKING:
    from airlock.executor.models import (
        AllowList,
        EgressAttempt,
        ExecutionResult,
        LayerStatus,
        Limits,
        OutputFile,
    )
    from airlock.executor.policy import DEFAULT_REQUIRED, LAYERS, SandboxPolicy
    from airlock.executor.probe import probe_layers
    from airlock.executor.session import Session, SessionClosed
    from airlock.executor.warm import run

# Loaded on first use, so the small spawner process (executor.zygote) can import the
# isolation modules without pydantic and the rest of the front door.
_EXPORTS = {
    "DEFAULT_REQUIRED": "airlock.executor.policy",
    "LAYERS": "airlock.executor.policy",
    "SandboxPolicy": "airlock.executor.policy",
    "AllowList": "airlock.executor.models",
    "EgressAttempt": "airlock.executor.models",
    "ExecutionResult": "airlock.executor.models",
    "LayerStatus": "airlock.executor.models",
    "Limits": "airlock.executor.models",
    "OutputFile": "airlock.executor.models",
    "probe_layers": "airlock.executor.probe",
    "run": "airlock.executor.warm",  # runner.run, on a warm interpreter when one is ready
    "Session": "airlock.executor.session",
    "SessionClosed": "airlock.executor.session",
}

__all__ = [
    "DEFAULT_REQUIRED",
    "LAYERS",
    "AllowList",
    "EgressAttempt",
    "ExecutionResult",
    "LayerStatus",
    "Limits",
    "OutputFile",
    "SandboxPolicy",
    "Session",
    "SessionClosed",
    "probe_layers",
    "run",
]


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'airlock.executor' has no attribute {name!r}")
