r"""Sessions: one confined interpreter that keeps its state between calls.

    >>> from airlock.executor import Session
    >>> with Session() as s:
    ...     _ = s.run("x = 40")
    ...     r = s.run("x + 2")
    >>> r.value, r.exit_code
    ('42', 0)

A session is one run (``runner.run``) whose program is ``session_kernel.py``, under the
same layers as any run, for the session's whole life. ``Limits`` splits in two: memory,
CPU seconds, processes, disk, files and network bound the *session*; ``timeout_s`` and the
output caps bound each *call*. ``lifetime_s`` ends the session however busy it is, and
``idle_timeout_s`` ends one nobody calls. A call that outlives its timeout ends the
session (its state cannot be trusted half-run); a call whose process dies (memory, CPU,
``os._exit``) ends it too, with what the host observed. A failing call (an exception,
``sys.exit``) leaves it alive. Calls to a closed or dead session raise ``SessionClosed``.

What a call returns is the host's: its clock, whether the process lived; the end of a call,
its exit status, ``value`` and ``display`` are the kernel's reply, which code in the
sandbox can forge like its stdout (see the kernel's docstring). The session dies with the
process that made it (the sandbox's helper is tied to it).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import secrets
import signal
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from airlock.executor import runner, workfiles
from airlock.executor.call_stream import CallStream
from airlock.executor.control import Control, ControlError
from airlock.executor.models import DISPLAY_MIMES, Display, ExecutionResult, Limits
from airlock.executor.policy import SandboxPolicy, refusal

KERNEL = (Path(__file__).with_name("session_kernel.py")).read_text(encoding="utf-8")
SEND_TIMEOUT_S = 10.0  # a kernel that reads no request for this long is not serving
FILE_OP_TIMEOUT_S = 30.0
STOP_GRACE_S = 10.0
CLOSED_GRACE_S = 2.0  # a call whose streams closed: how long the process may take to end  # how long close() waits for the sandbox to be torn down
MAX_PUT_BYTES = 16 * 1024 * 1024
SESSION_OUTPUT_CAP = 1 << 40  # the session's streams pass through; each call is capped


class SessionClosed(RuntimeError):
    """The session is closed or dead; ``reason`` says why."""


class Session:
    """A confined interpreter kept between calls (a context manager)."""

    def __init__(
        self,
        *,
        limits: Limits | None = None,
        policy: SandboxPolicy | None = None,
        allow_degraded: bool = False,
        env: Mapping[str, str] | None = None,
        files: Mapping[str, bytes | str | os.PathLike[str]] | None = None,
        lifetime_s: float = 3600.0,
        idle_timeout_s: float = 600.0,
    ) -> None:
        if lifetime_s <= 0 or idle_timeout_s <= 0:
            raise ValueError("lifetime_s and idle_timeout_s must be positive")
        self.id = "s-" + secrets.token_hex(8)
        self.limits = limits or Limits()
        self.policy = policy or SandboxPolicy()
        self.lifetime_s, self.idle_timeout_s = lifetime_s, idle_timeout_s
        self.calls = 0  # calls made (each gets the next number)
        self._screened = 0  # calls numbered for a record (audit's guard), run or not
        self.files = SessionFiles(self)
        self.final: ExecutionResult | None = None  # the session process's own result, once over
        self.dead_reason: str | None = None
        self.layers = runner.planned_layers(self.policy)
        self.refused = refusal(self.layers, self.policy)
        self.degraded = self.refused is not None and allow_degraded
        if self.degraded:
            self.refused = None
        self._cv = threading.Condition()
        self._call_lock = threading.Lock()
        self._out, self._err = CallStream(with_reply=True), CallStream(with_reply=False)
        self._control = Control()
        self._idle_at: float | None = None  # when the session, idle, ends (None: not armed)
        self._thread: threading.Thread | None = None
        if self.refused is not None:
            self.dead_reason = f"refused: {self.refused}"
            return
        session_limits = self.limits.model_copy(
            update={
                "timeout_s": lifetime_s,
                "max_stdout_bytes": SESSION_OUTPUT_CAP,
                "max_stderr_bytes": SESSION_OUTPUT_CAP,
            }
        )
        kwargs = dict(
            limits=session_limits, files=files, env={"MPLBACKEND": "Agg", **(env or {})},
            policy=self.policy,
            allow_degraded=allow_degraded, on_stdout=self._feed_out, on_stderr=self._feed_err,
            control=self._control,
        )  # fmt: skip
        try:
            workfiles.load_inputs(files)  # bad names raise here, in the caller's thread
        except Exception:
            self._control.close()
            raise
        self._thread = threading.Thread(
            target=self._serve, args=(kwargs,), name=f"airlock-{self.id}", daemon=True
        )
        self._thread.start()
        self._arm_idle()
        threading.Thread(
            target=self._watch_idle, name=f"airlock-{self.id}-idle", daemon=True
        ).start()

    # the session process (a background thread runs it to its end)

    def _serve(self, kwargs: dict[str, Any]) -> None:
        try:
            final = runner.run(KERNEL, **kwargs)
        except Exception as exc:  # invalid arguments surface as a dead session
            final = ExecutionResult(killed_reason=f"session failed to start: {exc}")
        with self._cv:
            self.final = final
            if self.dead_reason is None:
                self.dead_reason = _why_ended(final, self.lifetime_s)
            self._control.ended.set()
            self._cv.notify_all()

    def _feed_out(self, chunk: bytes) -> None:
        with self._cv:
            self._out.feed(chunk)
            self._cv.notify_all()

    def _feed_err(self, chunk: bytes) -> None:
        with self._cv:
            self._err.feed(chunk)
            self._cv.notify_all()

    # calls

    @property
    def alive(self) -> bool:
        """Whether calls can still be made."""
        return self.dead_reason is None

    def run(
        self,
        code: str,
        *,
        timeout_s: float | None = None,
        on_stdout: Callable[[bytes], object] | None = None,
        on_stderr: Callable[[bytes], object] | None = None,
    ) -> ExecutionResult:
        """Run ``code`` in the session; the final expression's repr is ``value``.
        ``on_stdout`` / ``on_stderr`` receive the call's output as it is written (up to the
        caps, as kept in the result); they are called from the session's reader thread with
        its lock held, so they must not block."""
        return self._call(code, timeout_s, False, on_stdout, on_stderr)[0]

    def run_and_list(
        self,
        code: str,
        *,
        timeout_s: float | None = None,
        on_stdout: Callable[[bytes], object] | None = None,
        on_stderr: Callable[[bytes], object] | None = None,
    ) -> tuple[ExecutionResult, list[tuple[str, int]] | None]:
        """``run``, and the files the call left as ``files.list()`` would give them, from the
        same reply (None when the session ended or the listing failed)."""
        return self._call(code, timeout_s, True, on_stdout, on_stderr)

    def _call(
        self,
        code: str,
        timeout_s: float | None,
        listing: bool,
        on_stdout: Callable[[bytes], object] | None = None,
        on_stderr: Callable[[bytes], object] | None = None,
    ) -> tuple[ExecutionResult, list[tuple[str, int]] | None]:
        if not isinstance(code, str):
            raise ValueError(f"code must be str, not {type(code).__name__}")
        try:
            code.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("code contains lone surrogates (not valid Unicode text)") from None
        timeout = self.limits.timeout_s if timeout_s is None else timeout_s
        if timeout <= 0:
            raise ValueError("timeout_s must be positive")
        with self._call_lock:
            if self.refused is not None:
                refused = ExecutionResult(
                    layers=self.layers, limits=self.limits, refused=self.refused
                )
                return refused, None
            self._check_open()
            self.calls += 1
            request = {"op": "exec", "call": self.calls, "code": code}
            if listing:
                request["list"] = True
            result = ExecutionResult(
                layers=self.layers, limits=self.limits.model_copy(update={"timeout_s": timeout}),
                degraded=self.degraded,
            )  # fmt: skip
            started = time.monotonic()
            reply = self._request(request, timeout, result, (on_stdout, on_stderr))
            result.wall_s = round(time.monotonic() - started, 6)
            files = None
            if reply is not None:
                _apply_reply(result, reply)
                listed = reply.get("listing")
                if isinstance(listed, dict) and "error" not in listed:
                    files = _listed(listed)
            self._arm_idle()
            return result, files

    def next_call_index(self) -> int:
        """The next number for a call submitted to this session (1, 2, …; thread-safe)."""
        with self._cv:
            self._screened += 1
            return self._screened

    def _request(
        self,
        request: dict[str, Any],
        timeout: float,
        result: ExecutionResult | None,
        live: tuple[Callable[[bytes], object] | None, ...] = (None, None),
    ) -> dict[str, Any] | None:
        """Send one request and wait for its end marks; the reply, or None (then the
        session has ended and ``result`` says how)."""
        nonce = secrets.token_hex(16)
        mark = b"\x1eairlock:" + nonce.encode("ascii") + b"\x1e"
        cap_out = self.limits.max_stdout_bytes if result is not None else 0
        cap_err = self.limits.max_stderr_bytes if result is not None else 0
        with self._cv:
            self._out.begin(mark, cap_out, live[0])
            self._err.begin(mark, cap_err, live[1])
        deadline = time.monotonic() + timeout
        try:
            line = json.dumps({**request, "nonce": nonce}).encode("ascii") + b"\n"
            self._control.send(line, min(timeout, SEND_TIMEOUT_S))
        except ControlError as exc:
            self._end(f"the session could not take the call: {exc}")
        with self._cv:
            while self.alive and not (self._out.done and self._err.done):
                if self._out.closed or self._err.closed:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cv.wait(left)
            done = self._out.done and self._err.done
            if result is not None:
                result.stdout = self._out.output.decode("utf-8", "replace")
                result.stderr = self._err.output.decode("utf-8", "replace")
                result.stdout_truncated, result.stderr_truncated = (
                    self._out.truncated,
                    self._err.truncated,
                )
            reply = self._out.reply if done else None
        if done and reply is not None:
            try:
                parsed = json.loads(reply)
                if isinstance(parsed, dict):
                    return parsed
            except ValueError:
                pass
            self._end("the session's kernel sent an unreadable reply")
        elif done:
            self._end("the session's kernel sent a reply over the size limit")
        elif self.alive and (self._out.closed or self._err.closed):
            if self._thread is not None:  # the process is likely ending: let the host say how
                self._thread.join(CLOSED_GRACE_S)
            self._end("the session's output was closed")
        elif self.alive:
            self._end(f"wall-clock timeout after {timeout:g}s (the session was ended)")
            if result is not None:
                result.timed_out, result.killed_by = True, "timeout"
        self._wait_final()
        if result is not None:
            _apply_final(result, self.final, self.dead_reason)
        return None

    def _end(self, reason: str) -> None:
        with self._cv:
            if self.dead_reason is None:
                self.dead_reason = reason
            self._cv.notify_all()
        self._control.stop()

    def _wait_final(self) -> None:
        if self._thread is not None:
            self._thread.join(STOP_GRACE_S)

    def _check_open(self) -> None:
        if self.dead_reason is not None:
            raise SessionClosed(f"session {self.id} is over: {self.dead_reason}")

    def _arm_idle(self) -> None:
        """Idle from now: the session ends ``idle_timeout_s`` from now unless called."""
        with self._cv:
            self._idle_at = time.monotonic() + self.idle_timeout_s
            self._cv.notify_all()

    def _watch_idle(self) -> None:
        """One thread for the session's life (no timer thread per call): ends the session
        once it has been idle for ``idle_timeout_s`` with no call under way."""
        while True:
            with self._cv:
                while self.alive and (self._idle_at is None or self._idle_at > time.monotonic()):
                    self._cv.wait(
                        None if self._idle_at is None else self._idle_at - time.monotonic()
                    )
                if not self.alive:
                    return
                self._idle_at = None  # a call under way re-arms it when it ends
            if self._call_lock.acquire(blocking=False):
                try:
                    if self._idle_at is None:
                        self._end(f"idle for {self.idle_timeout_s:g}s")
                finally:
                    self._call_lock.release()

    def close(self) -> ExecutionResult | None:
        """End the session and every process in it; the session process's own result."""
        self._end("closed")
        self._wait_final()
        if self._thread is None or self._control.ended.is_set():  # never started, or over
            self._control.close()
        return self.final

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # a forgotten session still ends (the owner's exit ends it too)
        with contextlib.suppress(Exception):
            self._control.stop()


class SessionFiles:
    """Files in a session's working directory: put, get and list (bounded)."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        s = self._s
        with s._call_lock:
            s._check_open()
            reply = s._request(request, FILE_OP_TIMEOUT_S, None)
            s._arm_idle()
        if reply is None:
            raise SessionClosed(f"session {s.id} is over: {s.dead_reason}")
        if "error" in reply:
            raise OSError(str(reply["error"])[:500])
        return reply

    def put(self, name: str, data: bytes) -> None:
        """Write ``data`` to ``name`` (a relative path) in the working directory."""
        workfiles.check_name(name)
        if not isinstance(data, bytes | bytearray):
            raise ValueError(f"data must be bytes, not {type(data).__name__}")
        if len(data) > MAX_PUT_BYTES:
            raise ValueError(f"a session file is limited to {MAX_PUT_BYTES} bytes")
        self._ask({"op": "put", "name": name, "data": base64.b64encode(data).decode("ascii")})

    def get(self, name: str) -> bytes:
        """The bytes of ``name`` (at most ``limits.max_output_file_bytes``)."""
        workfiles.check_name(name)
        reply = self._ask({"op": "get", "name": name, "cap": self._s.limits.max_output_file_bytes})
        try:
            data = base64.b64decode(reply.get("data", ""), validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise OSError(f"{name}: the session sent unreadable data") from None
        if len(data) > self._s.limits.max_output_file_bytes:
            raise OSError(f"{name}: larger than max_output_file_bytes")
        return data

    def list(self) -> list[tuple[str, int]]:
        """(name, size) of the regular files in the working directory (at most 1,000)."""
        return _listed(self._ask({"op": "list"}))


def _listed(reply: dict[str, Any]) -> list[tuple[str, int]]:
    """The kernel's listing, checked for shape (at most 1,000 entries)."""
    out: list[tuple[str, int]] = []
    files = reply.get("files", [])
    for entry in files[:1000] if isinstance(files, list) else []:
        if isinstance(entry, list) and len(entry) == 2:
            name, size = entry
            if isinstance(name, str) and isinstance(size, int):
                out.append((name, size))
    return out


def _apply_reply(result: ExecutionResult, reply: dict[str, Any]) -> None:
    """The kernel's claims about a call, checked for shape and bounds."""
    code = reply.get("exit")
    result.exit_code = code if isinstance(code, int) and 0 <= code <= 255 else 1
    value = reply.get("value")
    result.value = value[:100_000] if isinstance(value, str) else None
    budget = 16 * 1024 * 1024
    for item in reply.get("display", [])[:64] if isinstance(reply.get("display"), list) else []:
        if not isinstance(item, dict) or item.get("mime") not in DISPLAY_MIMES:
            continue
        try:
            data = base64.b64decode(str(item.get("data", "")), validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(data) <= budget:
            budget -= len(data)
            result.display.append(Display(mime=item["mime"], data=data))


def _apply_final(result: ExecutionResult, final: ExecutionResult | None, why: str | None) -> None:
    """A call during which the session ended: the host's account of the process."""
    if final is not None:
        for name in ("exit_code", "signal", "memory_exceeded", "cpu_s", "peak_memory_mb"):
            setattr(result, name, getattr(final, name))
        if final.killed_by is not None and not result.timed_out:
            result.killed_by = final.killed_by
        result.refused = result.refused or final.refused
        result.slot, result.run_uid = final.slot, final.run_uid
    if result.timed_out and result.exit_code is None and result.signal is None:
        result.signal = signal.SIGKILL
    result.killed_reason = why


def _why_ended(final: ExecutionResult, lifetime_s: float) -> str:
    if final.timed_out:
        return f"the session's lifetime of {lifetime_s:g}s ran out"
    if final.refused:
        return f"refused: {final.refused}"
    if final.killed_reason:
        return final.killed_reason
    if final.signal is not None:
        return f"the session's process was killed by signal {final.signal}"
    return f"the session's process exited with code {final.exit_code}"
