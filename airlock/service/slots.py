"""A server process's run slots: how many plain executes it runs at once.

A request takes a slot when one is free and no queued job is waiting here for one (the
queue's jobs go first); otherwise its work goes to the queue (`service.queue`). A queue
job this process's worker fetched takes a slot when one is free; when none is, it hands
the job back and "parks" its worker unit until a slot frees, so this worker fetches no
more jobs than it can start while other servers' workers take them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Slots:
    """A counter of runs in progress, bounded by `capacity` (thread-safe)."""

    def __init__(self, capacity: int) -> None:
        if capacity < 0:
            raise ValueError("slots must be 0 or more")
        self.capacity = capacity
        self._lock = threading.Lock()
        self._used = 0
        self._parked = 0

    def take_for_request(self) -> bool:
        """Take a slot for a request accepted here, unless none is free or a queued job
        is waiting here for one."""
        with self._lock:
            if self._used < self.capacity and self._parked == 0:
                self._used += 1
                return True
            return False

    def take_for_job(self) -> bool:
        """Take a slot for a queued job, when one is free."""
        with self._lock:
            if self._used < self.capacity:
                self._used += 1
                return True
            return False

    def give(self) -> None:
        """Give a slot back."""
        with self._lock:
            self._used = max(0, self._used - 1)

    def free(self) -> bool:
        """Whether a slot is free now."""
        with self._lock:
            return self._used < self.capacity

    @contextmanager
    def parked(self) -> Iterator[None]:
        """Count a queue worker unit waiting here for a slot (requests then queue)."""
        with self._lock:
            self._parked += 1
        try:
            yield
        finally:
            with self._lock:
                self._parked -= 1

    @property
    def used(self) -> int:
        """Slots taken now."""
        with self._lock:
            return self._used
