"""cgroup v1 layer: a per-slot memory and pids cgroup (fork bombs as root stop only here)."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass

from airlock.executor import settings

CONTROLLERS = ("memory", "pids")
GROUP = "airlock"


@dataclass(frozen=True)
class SlotCgroup:
    """The memory and pids cgroup directories of one slot."""

    memory: str
    pids: str

    @property
    def dirs(self) -> tuple[str, str]:
        return (self.memory, self.pids)


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
    """None when per-run v1 memory and pids cgroups can be created here, else why not."""
    root = settings.current().cgroup_root
    for controller in CONTROLLERS:
        base = os.path.join(root, controller)
        if not os.path.exists(os.path.join(base, "cgroup.procs")):
            return f"cgroup v1 {controller} controller is not mounted at {base}"
        try:
            os.makedirs(os.path.join(base, GROUP), exist_ok=True)
        except OSError as exc:
            return f"cannot create a cgroup under {base}: {exc.strerror}"
        if not os.access(os.path.join(base, GROUP), os.W_OK):
            return f"cgroup {base}/{GROUP} is not writable"
    return None


def for_slot(slot: int) -> SlotCgroup:
    """The slot's cgroup paths (not created)."""
    root, name = settings.current().cgroup_root, f"slot-{slot}"
    return SlotCgroup(*(os.path.join(root, c, GROUP, name) for c in CONTROLLERS))


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
) -> int:
    """Create (or reset) the slot's cgroups with these limits, killing whatever is left in
    them but ``keep`` (the slot's standby helper); returns the OOM-kill baseline."""
    create(group)
    kill_all(group, keep=keep)
    mem = group.memory
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
    _write(os.path.join(group.pids, "pids.max"), str(max_tasks))
    return _oom_kills(group)


def bounds_swap(group: SlotCgroup) -> bool:
    """Whether the memory limit also covers swap (memory+swap accounting, or no swap at all),
    so that the cgroup alone can hold the run's memory."""
    if os.path.exists(os.path.join(group.memory, "memory.memsw.limit_in_bytes")):
        return True
    try:
        return len(_read("/proc/swaps").splitlines()) <= 1
    except OSError:
        return False


def _oom_kills(group: SlotCgroup) -> int:
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
    return int(_read(os.path.join(group.memory, "memory.usage_in_bytes"))) / 1048576


def usage(group: SlotCgroup, oom_baseline: int) -> tuple[float | None, bool]:
    """(peak memory in MB, whether the OOM killer fired in the cgroup) for the finished run."""
    try:
        peak = int(_read(os.path.join(group.memory, "memory.max_usage_in_bytes"))) / 1048576
        return peak, _oom_kills(group) > oom_baseline
    except (OSError, ValueError):
        return None, False
