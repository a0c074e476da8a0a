"""A caller's live hold on one run: requests into the program's stdin, and a stop switch.

Sessions use it: their program is a small kernel that waits for requests. The runner makes
the run's stdin a FIFO beside the workdir (never inside the program's view); the helper
opens it for reading before the mount view hides it, and the caller keeps it open for
reading *and* writing, so opening never blocks and a kernel that has not started yet
still finds what was written. Writes are non-blocking and bounded in time. ``stop()``
ends the run at once (the supervisor kills it as on a timeout and says ``stopped``).
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time

_FLAGS = os.O_CLOEXEC | os.O_NONBLOCK


class ControlError(OSError):
    """The request could not be delivered (the run ended, or did not read in time)."""


class Control:
    """The request FIFO's write end and a self-pipe the supervisor watches."""

    def __init__(self) -> None:
        self.stop_fd, self._stop_w = os.pipe2(_FLAGS)
        self._requests: int | None = None
        self.attached = threading.Event()
        self.ended = threading.Event()  # the run is over (set by whoever runs it)
        self._lock = threading.Lock()

    def attach(self, path: str) -> None:
        """Make the FIFO at ``path`` (the run's stdin) and hold it open (the runner calls this)."""
        os.mkfifo(path, 0o600)
        self._requests = os.open(path, os.O_RDWR | _FLAGS)
        self.attached.set()

    def send(self, data: bytes, timeout_s: float) -> None:
        """Write all of ``data`` unless the run ends or ``timeout_s`` passes (ControlError)."""
        deadline = time.monotonic() + timeout_s
        if not self.attached.wait(timeout_s) or self._requests is None:
            raise ControlError("the session's process did not start")
        view = memoryview(data)
        with self._lock:
            while view:
                if self.ended.is_set():
                    raise ControlError("the session's process has ended")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ControlError("the session's process stopped reading requests")
                try:
                    view = view[os.write(self._requests, view) :]
                except BlockingIOError:
                    poller = select.poll()
                    poller.register(self._requests, select.POLLOUT)
                    poller.poll(min(100, int(left * 1000) + 1))

    def stop(self) -> None:
        """End the run now (idempotent)."""
        with contextlib.suppress(OSError):
            os.write(self._stop_w, b"x")

    def close(self) -> None:
        """Release the descriptors (after the run has ended)."""
        for fd in (self.stop_fd, self._stop_w, self._requests):
            if fd is not None and fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.stop_fd = self._stop_w = -1
        self._requests = None
