"""Warm interpreters: confined sessions started ahead, modules preloaded, one run each.

With the ``warm`` setting at N (settings.py; default 0: off) the executor's ``run`` keeps N warm interpreters
ready in the background: each is a ``Session`` (every layer in force from its first
instruction) that has imported the ``warm_modules`` (default: numpy, pandas and
matplotlib.pyplot, those installed) and run nothing else. A plain run (default limits and
policy; no input files, stdin, environment or live callbacks) takes one, runs the code as
its only call, ends it and collects its files; the pool starts a replacement once the run
is over (at the latest ``REFILL_AFTER_S`` after it was taken), so the replacement's
start-up does not compete with the run. A run that does not qualify, or finds the pool
empty, runs cold as before.

No template is forked: each warm interpreter is its own exec'd process, so no two runs
share an address layout (no ASLR trade-off) and nothing one run leaves reaches another;
the price is that each pays its own import time, ahead of the run, in the background.
When the call is over its files are read inside the sandbox (regular files, no link
followed, the run's caps) and the interpreter is ended in the background, so a run does
not wait for its memory to be freed; a call that ended the interpreter (timeout, memory,
exit) gets the host's account and the host's collection of its files instead.
What differs from a cold run: the code runs as a session call (its final expression's
repr is ``value``, a traceback names ``<cell 1>``, ``__file__`` is not set), and the
preload counts against the run's CPU seconds and memory (``peak_memory_mb`` includes it).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

from airlock.executor import runner, settings, workfiles
from airlock.executor.models import ExecutionResult, Limits, OmittedFile, OutputFile
from airlock.executor.policy import SandboxPolicy
from airlock.executor.session import Session, SessionClosed

LIFETIME_S = 3600.0  # a warm interpreter not taken within this is replaced
REFILL_AFTER_S = 1.0  # a taken interpreter is replaced by then even if its run goes on
PRELOAD_TIMEOUT_S = 60.0
RSS = "int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0])"  # KiB


def configured_size() -> int:
    """N, the ``warm`` setting (0: off)."""
    return settings.current().warm


def configured_modules() -> tuple[str, ...]:
    """The modules each warm interpreter imports (the ``warm_modules`` setting, those installed)."""
    found = []
    for name in (n.strip() for n in settings.current().warm_modules.split(",")):
        if not name or not all(part.isidentifier() for part in name.split(".")):
            continue
        try:
            if importlib.util.find_spec(name.split(".")[0]) is not None:
                found.append(name)
        except (ImportError, ValueError):
            continue
    return tuple(found)


class WarmPool:
    """Up to ``size`` ready sessions, refilled in the background.

    One keeper thread per pool starts replacements and ends used interpreters, so a run
    that takes one starts no thread itself. A taken interpreter is replaced once its run
    is handed back (``give_back``), or ``REFILL_AFTER_S`` after it was taken if that comes
    first: the replacement's start-up does not compete with the run it replaces.
    """

    def __init__(self, size: int, modules: tuple[str, ...], limits: Limits | None = None) -> None:
        self.size, self.modules = size, modules
        self.limits = limits or Limits()
        self._ready: list[Session] = []
        self._rss_kib: dict[str, int] = {}  # each ready interpreter's resident memory
        self._starting = 0
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._ending: list[Session] = []  # used or dead interpreters to end in the background
        self._refill_at: float | None = time.monotonic()  # top the pool up from then on
        self._closed = False
        self.started = self.failed = self.taken = 0
        self.last_error: str | None = None
        threading.Thread(target=self._keep, name="airlock-warm-keeper", daemon=True).start()

    def _keep(self) -> None:
        while True:
            with self._lock:
                while True:
                    if self._closed and not self._ending:
                        return
                    now = time.monotonic()
                    start = 0
                    if self._refill_at is not None and self._refill_at <= now:
                        self._refill_at = None
                        start = max(0, self.size - len(self._ready) - self._starting)
                        self._starting += start
                    ending, self._ending = self._ending, []
                    if start or ending:
                        break
                    self._wake.wait(None if self._refill_at is None else self._refill_at - now)
            for s in ending:
                threading.Thread(target=s.close, name="airlock-warm-end", daemon=True).start()
            for _ in range(start):
                threading.Thread(target=self._start_one, name="airlock-warm", daemon=True).start()

    def _refill(self, delay: float = 0.0) -> None:
        """Top the pool up ``delay`` seconds from now at the latest (lock held)."""
        at = time.monotonic() + delay
        if self._refill_at is None or at < self._refill_at:
            self._refill_at = at
        self._wake.notify()

    def _start_one(self) -> None:
        session: Session | None = None
        try:
            session = Session(limits=self.limits, lifetime_s=LIFETIME_S, idle_timeout_s=LIFETIME_S)
            preload = "".join(f"import {m}\n" for m in self.modules) or "pass"
            r = session.run(preload, timeout_s=PRELOAD_TIMEOUT_S)
            if r.exit_code != 0 or not session.alive:
                raise RuntimeError(r.killed_reason or r.refused or r.stderr[-300:] or "failed")
            rss = session.run(RSS, timeout_s=PRELOAD_TIMEOUT_S).value  # no agent code ran yet
            kib = int(rss) if rss is not None and rss.isdigit() else 0
        except Exception as exc:
            with self._lock:
                self._starting -= 1
                self.failed += 1
                self.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if session is not None:
                session.close()
            return
        with self._lock:
            self._starting -= 1
            if self._closed:
                self._ending.append(session)
                self._wake.notify()
                return
            self.started += 1
            self._ready.append(session)
            self._rss_kib[session.id] = kib

    def take(self) -> Session | None:
        """A ready warm session, or None; its replacement starts once it is handed back
        (``give_back``) or ``REFILL_AFTER_S`` from now."""
        with self._lock:
            found = None
            while self._ready:
                s = self._ready.pop(0)
                self._rss_kib.pop(s.id, None)
                if s.alive:
                    self.taken += 1
                    found = s
                    break
                self._ending.append(s)
            self._refill(REFILL_AFTER_S if found is not None else 0.0)
        return found

    def give_back(self, session: Session | None) -> None:
        """A taken session's run is over: end it in the background (None: the caller
        ended it) and start its replacement now."""
        with self._lock:
            if session is not None:
                self._ending.append(session)
            self._refill()

    def memory_mb(self) -> float:
        """Resident memory of the ready interpreters, as each measured itself after its
        preload (before any agent code could run in it)."""
        with self._lock:
            return sum(self._rss_kib.get(s.id, 0) for s in self._ready if s.alive) / 1024

    def ready(self) -> int:
        """How many warm interpreters are ready now."""
        with self._lock:
            return sum(1 for s in self._ready if s.alive)

    def close(self) -> None:
        """End every warm interpreter (and start no more)."""
        with self._lock:
            self.size = 0
            self._closed = True
            ready, self._ready = self._ready, []
            self._wake.notify()
        for s in ready:
            s.close()


_pool: WarmPool | None = None
_pool_lock = threading.Lock()


def pool() -> WarmPool | None:
    """This process's pool, started on first use when the ``warm`` setting asks for one."""
    global _pool
    size = configured_size()
    with _pool_lock:
        if _pool is not None and _pool.size != size:
            _pool.close()
            _pool = None
        if _pool is None and size > 0:
            _pool = WarmPool(size, configured_modules())
        return _pool


def shutdown() -> None:
    """End this process's pool (a later run starts a new one if the setting asks)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.close()
        _pool = None


_held = threading.local()  # this thread's `deferred()` block: the interpreters to hand back


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Within this block, the warm interpreters this thread's runs took are handed back to
    their pool (ended, and replaced) when the block ends, not when each run returns: the
    caller's own work after a run (audit's guard records the result and raises alerts)
    does not compete with the used interpreter's teardown and its replacement's start-up.
    """
    if getattr(_held, "runs", None) is not None:  # an outer block hands them back
        yield
        return
    _held.runs = []
    try:
        yield
    finally:
        runs, _held.runs = _held.runs, None
        for found, session in runs:
            found.give_back(session)


def _give_back(found: WarmPool, session: Session | None) -> None:
    runs = getattr(_held, "runs", None)
    if runs is None:
        found.give_back(session)
    else:
        runs.append((found, session))


def _plain(kwargs: Mapping[str, Any], pool_limits: Limits) -> bool:
    limits = kwargs.get("limits")
    policy = kwargs.get("policy")
    return (
        not kwargs.get("files")
        and not kwargs.get("env")
        and kwargs.get("stdin") is None
        and kwargs.get("on_stdout") is None
        and kwargs.get("on_stderr") is None
        and kwargs.get("control") is None
        and not kwargs.get("files_writable")
        and not kwargs.get("allow_degraded")
        and (policy is None or policy == SandboxPolicy())
        and (limits is None or limits == pool_limits)
    )


@functools.wraps(runner.run)
def run(code: str, **kwargs: Any) -> ExecutionResult:
    # runner.run, on a warm interpreter when the pool has one and the run is plain
    found = pool()
    if found is None or not isinstance(code, str) or not _plain(kwargs, found.limits):
        return runner.run(code, **kwargs)
    session = found.take()
    if session is None:
        return runner.run(code, **kwargs)
    try:
        result, listed = session.run_and_list(code, timeout_s=found.limits.timeout_s)
        files = _files(session, found.limits, listed) if session.alive else None
    except Exception:
        session.close()
        _give_back(found, None)
        raise
    if files is None:  # the call ended the interpreter: the host's account of it
        final = session.close()
        _give_back(found, None)
        if final is not None:
            result.files, result.omitted = final.files, final.omitted
            result.omitted_count = final.omitted_count
            result.slot, result.run_uid = final.slot, final.run_uid
            result.peak_memory_mb = result.peak_memory_mb or final.peak_memory_mb
    else:  # done: the pool ends it in the background (freeing its memory takes tens of ms)
        result.files, result.omitted, result.omitted_count = files
        _give_back(found, session)
    result.limits = found.limits
    result.timing["warm"] = 1.0
    return result


def _files(
    session: Session, limits: Limits, listed: list[tuple[str, int]] | None = None
) -> tuple[list[OutputFile], list[OmittedFile], int] | None:
    """The files the call left, read inside the sandbox (regular files only, no link
    followed, each at most ``max_output_file_bytes``, at most ``max_output_files``);
    None when the session ended meanwhile. ``listed`` is the listing that came with the
    call's reply (else the session is asked for one)."""
    if listed is None:
        try:
            listed = session.files.list()
        except (OSError, SessionClosed):
            return None
    files: list[OutputFile] = []
    omitted: list[OmittedFile] = []
    for name, size in listed:
        if len(files) >= limits.max_output_files:
            omitted.append(OmittedFile(name=name, reason="over max_output_files"))
            continue
        if size > limits.max_output_file_bytes:
            reason = f"larger than max_output_file_bytes ({limits.max_output_file_bytes})"
            files.append(OutputFile(name=name, size=size, reason=reason))
            continue
        try:
            data = session.files.get(name)
        except SessionClosed:
            return None
        except OSError as exc:
            omitted.append(OmittedFile(name=name, reason=str(exc)[:200]))
            continue
        files.append(OutputFile(name=name, size=len(data), content=data))
    return files, omitted[: workfiles.MAX_LISTED], len(omitted)
