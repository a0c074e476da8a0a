"""Slot pool: each concurrent run gets its own uid, cgroup and tmpfs, across processes too.

A slot is held through an exclusive ``flock`` on ``<state>/slot-N.lock``; the kernel drops
it if the holder dies, so a crashed run never leaks its slot.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from airlock.executor import settings


def state_dir(path: str | None = None) -> str:
    """Where slot locks and mount points live (outside /tmp, which children see privately);
    ``path`` defaults to the configured state directory."""
    path = settings.current().state_dir if path is None else path
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
    cfg = settings.current()
    base = state_dir(cfg.state_dir)
    start = os.getpid() % cfg.slots
    end = time.monotonic() + timeout_s
    while True:
        for i in range(cfg.slots):
            n = (start + i) % cfg.slots
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
            raise TimeoutError(f"all {cfg.slots} sandbox slots are busy")
        time.sleep(0.01)


def reclaim(cleanup: Callable[[Slot], None]) -> list[int]:
    """Run ``cleanup`` on every slot no live process holds (a crashed caller's leftovers)."""
    cfg = settings.current()
    base = state_dir(cfg.state_dir)
    done = []
    for n in range(cfg.slots):
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
