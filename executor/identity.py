"""A generic host identity: what a run reads about "its machine" names no real one.

The UTS namespace already gives the hostname ``airlock``; this module writes the rest into
the run's own /etc (a tmpfs, see mounts.py): ``hosts`` and ``hostname`` naming only
``airlock`` and localhost, and a kernel command line and boot id (fresh for each run) that
``bind_proc`` puts over ``/proc/cmdline`` and ``/proc/sys/kernel/random/boot_id`` once init
has mounted its /proc. The real ones would tell a run which machine and which boot it is
on, and let two runs find out that they share both.
"""

from __future__ import annotations

import os
import uuid

from airlock.executor import syscalls

HOSTNAME = "airlock"
DIR = "/etc/airlock"  # inside the run's /etc tmpfs
ETC = {
    "hosts": f"127.0.0.1\tlocalhost {HOSTNAME}\n::1\tlocalhost ip6-localhost ip6-loopback\n",
    "hostname": f"{HOSTNAME}\n",
}
PROC = {"cmdline": "/proc/cmdline", "boot_id": "/proc/sys/kernel/random/boot_id"}
READABLE = (*(f"/etc/{name}" for name in ETC), DIR)  # for the Landlock rules


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def write_etc() -> None:
    """Write the generic files into the run's (still writable) /etc."""
    for name, text in ETC.items():
        _write(f"/etc/{name}", text)
    os.makedirs(DIR, 0o755, exist_ok=True)
    _write(f"{DIR}/cmdline", "ro quiet\n")
    _write(f"{DIR}/boot_id", f"{uuid.uuid4()}\n")


def bind_proc() -> None:
    """Cover the fresh /proc's host-identifying files with the generic ones."""
    for name, target in PROC.items():
        if os.path.exists(target) and os.path.exists(f"{DIR}/{name}"):
            syscalls.mount(f"{DIR}/{name}", target, None, syscalls.MS_BIND)
