"""Slot pool: each concurrent run gets its own uid, cgroup and tmpfs, across processes too.

A slot is held through an exclusive ``flock`` on ``<state>/slot-N.lock``; the kernel drops
it if the holder dies, so a crashed run never leaks its slot.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

POOL_SIZE = int(os.environ.get("AIRLOCK_SLOTS", "64"))


def state_dir() -> str:
    """Where slot locks and mount points live (outside /tmp, which children see privately)."""
    default = (
        "/run/airlock"
        if os.geteuid() == 0
        else os.path.join(tempfile.gettempdir(), f"airlock-{os.getuid()}")
    )
    path = os.environ.get("AIRLOCK_STATE_DIR", default)
    os.makedirs(path, exist_ok=True)
    os.chmod(path, 0o711)  # traversable (not listable) by the runs' uids, whatever the umask
    return path


@dataclass
class Slot:
    """One held slot: its number, directory and the lock descriptor that holds it."""

    number: int
    path: str
    lock_fd: int

    def release(self) -> None:
        if self.lock_fd >= 0:
            os.close(self.lock_fd)  # closing drops the flock
            self.lock_fd = -1


def acquire(timeout_s: float = 30.0) -> Slot:
    """Take a free slot, waiting up to timeout_s when all are busy."""
    base = state_dir()
    start = os.getpid() % POOL_SIZE
    end = time.monotonic() + timeout_s
    while True:
        for i in range(POOL_SIZE):
            n = (start + i) % POOL_SIZE
            fd = os.open(
                os.path.join(base, f"slot-{n}.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
            )
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            path = os.path.join(base, f"slot-{n}")
            os.makedirs(path, exist_ok=True)
            os.chmod(path, 0o711)
            return Slot(n, path, fd)
        if time.monotonic() > end:
            raise TimeoutError(f"all {POOL_SIZE} sandbox slots are busy")
        time.sleep(0.01)


def reclaim(cleanup: Callable[[Slot], None]) -> list[int]:
    """Run ``cleanup`` on every slot no live process holds (a crashed caller's leftovers)."""
    base = state_dir()
    done = []
    for n in range(POOL_SIZE):
        lock = os.path.join(base, f"slot-{n}.lock")
        if not os.path.exists(lock):
            continue
        fd = os.open(lock, os.O_RDWR | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        slot = Slot(n, os.path.join(base, f"slot-{n}"), fd)
        try:
            cleanup(slot)
            done.append(n)
        finally:
            slot.release()
    return done
