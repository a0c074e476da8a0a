"""Host-side /proc instruments for the escape suite: find, sample and kill marked processes.

Every adversarial program renames itself (``comm``) to a unique marker, so the host can
find it and its forked descendants without trusting anything the program says.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from dataclasses import dataclass, field


def _read(path: str, limit: int = 65536) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(limit)
    except OSError:
        return b""


def marked_pids(marker: str, *, zombies: bool = False) -> list[int]:
    """Every process whose comm or cmdline carries the marker (zombies only when asked)."""
    needle = marker.encode()
    me = os.getpid()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        comm = _read(f"/proc/{name}/comm")
        if needle in comm or needle in _read(f"/proc/{name}/cmdline"):
            state = _status(int(name)).get("State", "")
            if state and (zombies or not state.startswith(("Z", "X"))):
                found.append(int(name))
    return found


def kill_marked(marker: str) -> None:
    """SIGKILL whatever a control left behind (only processes carrying this unique marker)."""
    for pid in marked_pids(marker):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _status(pid: int) -> dict[str, str]:
    out = {}
    for line in _read(f"/proc/{pid}/status").decode(errors="replace").splitlines():
        key, _, value = line.partition(":")
        out[key] = value.strip()
    return out


def _exiting(pid: int) -> bool:
    """True once the task has started to exit (PF_EXITING), or is gone."""
    stat = _read(f"/proc/{pid}/stat")
    try:
        flags = int(stat.rsplit(b")", 1)[1].split()[6])
    except (IndexError, ValueError):
        return True
    return bool(flags & 0x4)


def hard_limit(pid: int, name: str) -> int | None:
    """The hard limit named ``name`` (e.g. "Max open files") of a process, None = unlimited."""
    for line in _read(f"/proc/{pid}/limits").decode().splitlines():
        if line.startswith(name):
            hard = line[len(name) :].split()[1]
            return None if hard == "unlimited" else int(hard)
    raise LookupError(name)


@dataclass
class ProcSample:
    """One observation of one marked process."""

    pid: int
    status: dict[str, str]
    fd_targets: list[str] = field(default_factory=list)
    open_file_sizes: list[int] = field(default_factory=list)
    cwd_entries: int | None = None
    cgroup: str = ""
    mountinfo: str = ""
    limits_open_files: int | None = None
    namespaces: dict[str, str] = field(default_factory=dict)
    personality: str = ""
    oom_score_adj: str = ""


class Monitor:
    """Samples every marked process from the host while a run is in progress."""

    def __init__(self, marker: str, *, interval: float = 0.01, deep: bool = False) -> None:
        self.marker = marker
        self.interval = interval
        self.deep = deep
        self.samples: list[ProcSample] = []
        self.max_concurrent = 0  # live marked processes at one tick
        self.max_concurrent_all = 0  # including zombies
        self.total_rss_peak_kb = 0  # summed over the marked processes at one tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Monitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            pids = marked_pids(self.marker, zombies=True)
            self.max_concurrent_all = max(self.max_concurrent_all, len(pids))
            tick = [self._sample(pid) for pid in pids[:64]]
            tick = [s for s in tick if not s.status.get("State", "Z").startswith(("Z", "X"))]
            self.max_concurrent = max(self.max_concurrent, len(tick))
            rss = sum(int(s.status.get("VmRSS", "0 kB").split()[0]) for s in tick)
            self.total_rss_peak_kb = max(self.total_rss_peak_kb, rss)
            self.samples.extend(tick)
            self._stop.wait(self.interval)

    def _sample(self, pid: int) -> ProcSample:
        sample = ProcSample(pid=pid, status=_status(pid))
        if not self.deep:
            return sample
        base = f"/proc/{pid}"
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"{base}/fd"):
                with contextlib.suppress(OSError):
                    sample.fd_targets.append(os.readlink(f"{base}/fd/{fd}"))
                    st = os.stat(f"{base}/fd/{fd}")
                    if (st.st_mode & 0o170000) == 0o100000:
                        sample.open_file_sizes.append(st.st_size)
        with contextlib.suppress(OSError):
            sample.cwd_entries = len(os.listdir(f"{base}/cwd"))
        sample.cgroup = _read(f"{base}/cgroup").decode(errors="replace")
        sample.mountinfo = _read(f"{base}/mountinfo", 1 << 20).decode(errors="replace")
        with contextlib.suppress(LookupError, ValueError, IndexError):
            sample.limits_open_files = hard_limit(pid, "Max open files")
        for ns in ("user", "mnt", "net", "pid"):
            with contextlib.suppress(OSError):
                sample.namespaces[ns] = os.readlink(f"{base}/ns/{ns}")
        sample.personality = _read(f"{base}/personality").decode().strip()
        sample.oom_score_adj = _read(f"{base}/oom_score_adj").decode().strip()
        # A dying task is moved to the root cgroup and loses its namespace links: keep the
        # sample only when the process was still alive after everything above was read.
        if _exiting(pid):
            sample.status["State"] = "X (read while exiting)"
        return sample

    @property
    def seen(self) -> bool:
        return bool(self.samples)

    def field_values(self, key: str) -> set[str]:
        return {s.status[key] for s in self.samples if key in s.status}

    def max_status_int(self, key: str) -> int:
        vals = [int(s.status[key].split()[0]) for s in self.samples if key in s.status]
        return max(vals, default=0)


def process_rss_kb(pid: int | None = None) -> int:
    """Resident set size of a process in kB (default: this one)."""
    status = _status(pid or os.getpid())
    return int(status.get("VmRSS", "0 kB").split()[0])


class RssWatch:
    """Peak RSS growth of *this* process while a block runs."""

    def __init__(self) -> None:
        self.baseline = process_rss_kb()
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, process_rss_kb())
            self._stop.wait(0.01)

    def __enter__(self) -> RssWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.peak = max(self.peak, process_rss_kb())

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.baseline) / 1024
