"""The escape suite's core: adversarial programs, tight limits, confined and unconfined runs,
planted secrets and leak checks.

Every adversarial program starts with a prelude that renames its process (``comm``) to a
unique marker (see escape_proc.py for the host-side /proc instruments that find it).
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from airlock.executor import ExecutionResult, LayerStatus, Limits

PRELUDE = """\
import ctypes as _c
_c.CDLL(None).prctl(15, {marker!r}.encode(), 0, 0, 0)
print("READY {marker}", flush=True)
"""


def new_marker() -> str:
    """A unique 15-character name (the kernel keeps at most 15 in ``comm``)."""
    return "alk" + secrets.token_hex(6)


def program(marker: str, body: str) -> str:
    """The adversarial program: the marker prelude, then the case's body."""
    return PRELUDE.format(marker=marker) + body


def small_limits(**overrides: object) -> Limits:
    """Tight limits that keep each case fast."""
    base: dict[str, object] = {
        "timeout_s": 3.0,
        "cpu_s": 3,
        "memory_mb": 192,
        "max_processes": 32,
        "max_open_files": 64,
        "max_disk_mb": 16,
        "max_files": 512,
        "max_stdout_bytes": 256_000,
        "max_stderr_bytes": 256_000,
    }
    base.update(overrides)
    return Limits(**base)  # type: ignore[arg-type]


def started(result: ExecutionResult, marker: str) -> None:
    """Fail unless the program really ran (an assertion on a program that never ran proves nothing)."""
    assert result.refused is None, f"run refused: {result.refused}"
    assert f"READY {marker}" in result.stdout, (
        f"the program did not start: exit={result.exit_code} signal={result.signal} "
        f"killed={result.killed_reason} stderr={result.stderr[-2000:]!r}"
    )


def unconfined(
    code: str,
    *,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = 20.0,
    env: dict[str, str] | None = None,
    pass_fds: tuple[int, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """The negative control: the same program in a plain subprocess, no sandbox at all."""
    with tempfile.TemporaryDirectory(prefix="airlock-control-") as tmp:
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=cwd or tmp,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            pass_fds=pass_fds,
            stdin=subprocess.DEVNULL,
            check=False,
        )


# ---------------------------------------------------------------- files and secrets


def find_named(name: str, roots: tuple[str, ...] = ("/tmp", "/var/tmp", "/dev/shm")) -> list[str]:
    """Paths named ``name`` under the shared temporary roots (depth-limited walk)."""
    hits = []
    for root in roots:
        base_depth = root.rstrip("/").count("/")
        for dirpath, dirnames, filenames in os.walk(root, onerror=lambda _e: None):
            if dirpath.count("/") - base_depth >= 4:
                dirnames[:] = []
            if name in filenames or name in dirnames:
                hits.append(os.path.join(dirpath, name))
    return hits


@contextlib.contextmanager
def planted_secret(directory: str | None = None) -> Iterator[tuple[Path, str]]:
    """A 0600 file holding a unique token, in /root when we are root, else a 0700 temp dir."""
    token = "SECRET-" + secrets.token_hex(12)
    own_dir = None
    if directory is None and os.geteuid() == 0 and os.path.isdir("/root"):
        directory = "/root"
    if directory is None:
        own_dir = tempfile.mkdtemp(prefix="airlock-secret-")
        directory = own_dir
    path = Path(directory) / f".airlock-escape-{secrets.token_hex(6)}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    try:
        yield path, token
    finally:
        path.unlink(missing_ok=True)
        if own_dir:
            os.rmdir(own_dir)


def leaked(token: str, result: ExecutionResult) -> bool:
    """True when the token shows up anywhere in what the run handed back."""
    if token in result.stdout or token in result.stderr:
        return True
    return any(f.content and token.encode() in f.content for f in result.files)


def wait_until(pred: object, timeout: float = 5.0) -> bool:
    """Poll a zero-argument predicate until it is true or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return False


# ---------------------------------------------------------------- running confined


@functools.cache
def layer_table() -> dict[str, LayerStatus]:
    """The executor's own view of which layers this machine can set up."""
    from airlock.executor import probe_layers

    return {layer.name: layer for layer in probe_layers()}


def disabled_layers() -> frozenset[str]:
    """Layers switched off for a whole suite run (``AIRLOCK_ESCAPE_DISABLE=landlock,seccomp``).

    Running the suite with one layer off shows which cases rely on that layer alone.
    """
    raw = os.environ.get("AIRLOCK_ESCAPE_DISABLE", "")
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


def run_options() -> dict[str, object]:
    """``policy`` and ``allow_degraded`` for this machine and this suite run."""
    from airlock.executor import DEFAULT_REQUIRED, SandboxPolicy

    off = disabled_layers()
    degraded = bool(off) or any(layer.status != "active" for layer in layer_table().values())
    return {
        "policy": SandboxPolicy(required=DEFAULT_REQUIRED - off, disabled=off),
        "allow_degraded": degraded,
    }


def confined(
    marker: str, body: str, *, limits: Limits | None = None, **kwargs: object
) -> tuple[ExecutionResult, float]:
    """Run the case through the executor; returns the result and the host-measured wall time.

    When this machine lacks some layer (or the suite run disables one), runs go ahead
    degraded; the case's own layer is checked by the ``layer`` marker, which skips the
    case when that layer is not in force.
    """
    from airlock.executor import run

    start = time.monotonic()
    result = run(
        program(marker, body),
        limits=limits or small_limits(),
        **run_options(),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )
    return result, time.monotonic() - start
