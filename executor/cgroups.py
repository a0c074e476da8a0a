"""The cgroup layer: a per-slot memory and pids cgroup (fork bombs as root stop only here),
on cgroup v2 (a delegated subtree, rootless too) or v1, per controller (cgroup_layout.py).

Nothing carries over between the runs of a slot: before each run the page cache an earlier
run left charged is reclaimed and the peak and OOM counters start again, so a run's peak
and OOM are its own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass, field

from airlock.executor import cgroup_layout, settings
from airlock.executor.cgroup_layout import CONTROLLERS, GROUP

__all__ = ["CONTROLLERS", "GROUP", "Baseline", "SlotCgroup"]


@dataclass(frozen=True)
class SlotCgroup:
    """One slot's cgroup directories: ``memory`` is None when no cgroup holds memory (the
    data rlimit does); on cgroup v2 both controllers share one directory."""

    memory: str | None
    pids: str | None
    memory_v2: bool = False
    pids_v2: bool = False

    @property
    def dirs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d for d in (self.memory, self.pids) if d is not None))


@dataclass
class Baseline:
    """What a slot's counters said when its run began (prepare → usage)."""

    oom_kills: int = 0
    peak_fd: int | None = field(default=None, repr=False)  # v2: memory.peak, reset for us

    def close(self) -> None:
        if self.peak_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.peak_fd)
            self.peak_fd = None


def _write(path: str, value: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def available() -> str | None:
    """None when memory and pids each have a cgroup here, else why not (per controller)."""
    missing = cgroup_layout.layout().missing
    return "; ".join(missing[c] for c in CONTROLLERS if c in missing) or None


def usable() -> bool:
    """Whether at least one controller has a cgroup (the layer can do some of its work)."""
    return bool(cgroup_layout.layout().places)


def describe() -> str:
    """Where each controller is held, for the layer's status line."""
    lay = cgroup_layout.layout()
    held = [f"{c}: {lay.places[c]}" for c in CONTROLLERS if c in lay.places]
    fallback = {"memory": "the data rlimit", "pids": "RLIMIT_NPROC"}
    held += [f"{c}: {fallback[c]} ({lay.missing[c]})" for c in CONTROLLERS if c in lay.missing]
    return "; ".join(held)


def for_slot(slot: int) -> SlotCgroup:
    """The slot's cgroup paths (not created). With no controller placed (the layer is off),
    the v1 paths under the configured root."""
    lay = cgroup_layout.layout()
    if not lay.places:
        root = settings.current().cgroup_root
        v1 = [os.path.join(root, c, GROUP, f"slot-{slot}") for c in CONTROLLERS]
        return SlotCgroup(*v1)
    mem, pids = (lay.places.get(c) for c in CONTROLLERS)
    return SlotCgroup(
        memory=mem.slot(slot) if mem else None,
        pids=pids.slot(slot) if pids else None,
        memory_v2=bool(mem and mem.version == 2),
        pids_v2=bool(pids and pids.version == 2),
    )


def procs(group: SlotCgroup) -> set[int]:
    """Every pid still in the slot's cgroups."""
    pids: set[int] = set()
    for d in group.dirs:
        with contextlib.suppress(FileNotFoundError):
            pids.update(int(p) for p in _read(os.path.join(d, "cgroup.procs")).split())
    return pids


def kill_all(
    group: SlotCgroup, deadline_s: float = 2.0, keep: frozenset[int] = frozenset()
) -> bool:
    """SIGKILL everything in the cgroup but ``keep`` until nothing else is left; True then."""
    end = time.monotonic() + deadline_s
    while True:
        pids = procs(group) - keep
        if not pids:
            return True
        if time.monotonic() > end:
            return False
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.002)


def create(group: SlotCgroup) -> None:
    """Make the slot's cgroup directories (no-op when they exist)."""
    for d in group.dirs:
        os.makedirs(d, exist_ok=True)


def prepare(
    group: SlotCgroup, memory_bytes: int, max_tasks: int, keep: frozenset[int] = frozenset()
) -> Baseline:
    """Create (or reset) the slot's cgroups with these limits, killing whatever is left in
    them but ``keep`` (the slot's standby helper); returns the counters' baseline."""
    create(group)
    kill_all(group, keep=keep)
    base = Baseline()
    if group.memory is not None and group.memory_v2:
        base = _prepare_memory_v2(group.memory, memory_bytes)
    elif group.memory is not None:
        _prepare_memory_v1(group.memory, memory_bytes)
        base.oom_kills = _oom_kills(group)
    if group.pids is not None:
        _write(os.path.join(group.pids, "pids.max"), str(max_tasks))
    return base


def _prepare_memory_v1(mem: str, memory_bytes: int) -> None:
    limit = os.path.join(mem, "memory.limit_in_bytes")
    memsw = os.path.join(mem, "memory.memsw.limit_in_bytes")
    # memory+swap must stay >= memory: raise memsw first when growing, last when shrinking
    order = [limit, memsw] if os.path.exists(memsw) else [limit]
    try:
        _write(order[0], str(memory_bytes))
    except OSError:
        order.reverse()
        _write(order[0], str(memory_bytes))
    if len(order) > 1:
        _write(order[1], str(memory_bytes))
    # Nothing carried over: the page cache an earlier run read stays charged to the slot
    # (it would count as this run's usage and peak); reclaim it, then reset the counters.
    with contextlib.suppress(OSError):  # EBUSY/EINTR: what cannot be reclaimed stays
        _write(os.path.join(mem, "memory.force_empty"), "0")
    for name in ("memory.max_usage_in_bytes", "memory.failcnt"):
        _write(os.path.join(mem, name), "0")


def _prepare_memory_v2(mem: str, memory_bytes: int) -> Baseline:
    _write(os.path.join(mem, "memory.max"), str(memory_bytes))
    with contextlib.suppress(FileNotFoundError):  # no swap accounting: no swap to bound
        _write(os.path.join(mem, "memory.swap.max"), "0")
    with contextlib.suppress(OSError, ValueError):  # EAGAIN: what cannot be reclaimed stays
        charged = int(_read(os.path.join(mem, "memory.current")))
        if charged:
            _write(os.path.join(mem, "memory.reclaim"), str(charged))
    base = Baseline(oom_kills=_events_v2(mem).get("oom_kill", 0))
    # memory.peak is the cgroup's lifetime high-water mark; since Linux 6.12 a write resets
    # it for reads through the same descriptor. Without that the peak is not reported.
    try:
        fd = os.open(os.path.join(mem, "memory.peak"), os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return base
    try:
        os.write(fd, b"reset\n")
    except OSError:
        os.close(fd)
        return base
    base.peak_fd = fd
    return base


def bounds_swap(group: SlotCgroup) -> bool:
    """Whether the memory limit also covers swap (memory+swap accounting, or no swap at all),
    so that the cgroup alone can hold the run's memory."""
    if group.memory is None:
        return False
    name = "memory.swap.max" if group.memory_v2 else "memory.memsw.limit_in_bytes"
    if os.path.exists(os.path.join(group.memory, name)):
        return True
    try:
        return len(_read("/proc/swaps").splitlines()) <= 1
    except OSError:
        return False


def _events_v2(mem: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for line in _read(os.path.join(mem, "memory.events")).splitlines():
        name, _, value = line.partition(" ")
        with contextlib.suppress(ValueError):
            found[name] = int(value)
    return found


def _oom_kills(group: SlotCgroup) -> int:
    if group.memory is None:
        return 0
    if group.memory_v2:
        return _events_v2(group.memory).get("oom_kill", 0)
    for line in _read(os.path.join(group.memory, "memory.oom_control")).splitlines():
        if line.startswith("oom_kill "):
            return int(line.split()[1])
    return 0


def join(group: SlotCgroup, pid: int) -> None:
    """Move pid into the slot's cgroups."""
    for d in group.dirs:
        _write(os.path.join(d, "cgroup.procs"), str(pid))


def charged_mb(group: SlotCgroup) -> float:
    """What the slot's memory cgroup has charged now, in MB."""
    if group.memory is None:
        return 0.0
    name = "memory.current" if group.memory_v2 else "memory.usage_in_bytes"
    return int(_read(os.path.join(group.memory, name))) / 1048576


def usage(group: SlotCgroup, baseline: Baseline) -> tuple[float | None, bool]:
    """(peak memory in MB, whether the OOM killer fired in the cgroup) for the finished run;
    closes the baseline."""
    try:
        if group.memory is None:
            return None, False
        oom = _oom_kills(group) > baseline.oom_kills
        if not group.memory_v2:
            name = "memory.max_usage_in_bytes"
            return int(_read(os.path.join(group.memory, name))) / 1048576, oom
        if baseline.peak_fd is None:
            return None, oom
        return int(os.pread(baseline.peak_fd, 64, 0)) / 1048576, oom
    except (OSError, ValueError):
        return None, False
    finally:
        baseline.close()
