"""rlimits layer: per-process resource limits set in the child before it drops privileges."""

from __future__ import annotations

import resource
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airlock.executor.models import Limits

MB = 1024 * 1024


def limits_for(limits: Limits, memory_in_cgroup: bool = False) -> list[tuple[int, int, int]]:
    """(resource, soft, hard) triples; soft == hard so the code cannot raise them.

    With ``memory_in_cgroup`` the memory cgroup enforces ``memory_mb`` and the data limit is
    lifted: memory the program touches beyond the limit is then an OOM kill the host sees,
    not a failed ``malloc`` that only the program knows about.
    """
    memory = resource.RLIM_INFINITY if memory_in_cgroup else limits.memory_mb * MB
    disk = limits.max_disk_mb * MB
    return [
        (resource.RLIMIT_DATA, memory, memory),
        (resource.RLIMIT_CPU, limits.cpu_s, limits.cpu_s + 1),
        (resource.RLIMIT_FSIZE, disk, disk),
        (resource.RLIMIT_NOFILE, limits.max_open_files, limits.max_open_files),
        (resource.RLIMIT_NPROC, limits.max_processes, limits.max_processes),
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_MEMLOCK, 0, 0),
        (resource.RLIMIT_MSGQUEUE, 0, 0),
    ]


def apply(triples: list[tuple[int, int, int]]) -> None:
    """Set each limit on the calling process."""
    for res, soft, hard in triples:
        resource.setrlimit(res, (soft, hard))
