"""The rootless workdir: the slot's bounded tmpfs, mounted by the helper inside its namespaces.

An ordinary user cannot mount on the host, so when the caller is not root the parent
writes the code and input files into the slot's directory on disk, and the helper, in its
own user and mount namespaces, covers that directory with the size- and inode-bounded
tmpfs, copies them in and hands the parent a descriptor of the tmpfs (over the report
socket) through which the outputs are collected. The tmpfs lives as long as that
descriptor or the namespace does; nothing of it ever appears on the host's disk.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from airlock.executor import syscalls

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True)
class InnerWorkdir:
    """Where to mount the tmpfs (``root``, holding work/, tmp/ and shm/) and its bounds."""

    root: str
    disk_mb: int
    inodes: int


def mount(iw: InnerWorkdir) -> int:
    """Cover ``root`` with the tmpfs, carry the inputs over; returns a descriptor of it.
    The caller is already in its own mount namespace."""
    syscalls.mount(None, "/", None, syscalls.MS_REC | syscalls.MS_PRIVATE)  # nothing leaks out
    src = os.open(os.path.join(iw.root, "work"), _DIR)  # the inputs the parent staged
    try:
        flags = syscalls.MS_NOSUID | syscalls.MS_NODEV | syscalls.MS_NOEXEC
        opts = f"size={iw.disk_mb}m,nr_inodes={iw.inodes},mode=711"
        syscalls.mount("airlock", iw.root, "tmpfs", flags, opts)
        top = os.open(iw.root, _DIR)
        for name in ("work", "tmp", "shm"):
            os.mkdir(name, 0o700, dir_fd=top)
        work = os.open("work", _DIR, dir_fd=top)
    except BaseException:
        os.close(src)
        raise
    _copy_tree(src, work)  # closes both
    return top


def _copy_tree(src: int, dst: int) -> None:
    """Copy regular files and directories from ``src`` into ``dst`` (modes kept); closes both."""
    try:
        with os.scandir(src) as entries:
            names = [e.name for e in entries]
        for name in names:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=src)
            st = os.fstat(fd)
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISDIR(st.st_mode):
                os.close(fd)
                os.mkdir(name, 0o700, dir_fd=dst)
                _copy_tree(os.open(name, _DIR, dir_fd=src), os.open(name, _DIR, dir_fd=dst))
                os.chmod(name, mode, dir_fd=dst)
                continue
            try:
                if not stat.S_ISREG(st.st_mode):
                    continue
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
                out = os.open(name, flags, 0o600, dir_fd=dst)
                try:
                    while os.sendfile(out, fd, None, 1 << 30):
                        pass
                    os.fchmod(out, mode)
                finally:
                    os.close(out)
            finally:
                os.close(fd)
    finally:
        os.close(src)
        os.close(dst)
