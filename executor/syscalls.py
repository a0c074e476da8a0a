"""Thin ctypes wrappers over the Linux system calls the sandbox needs (no third-party deps)."""

from __future__ import annotations

import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
libc.unshare.argtypes = [ctypes.c_int]
libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4

MACHINE = os.uname().machine

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2

PR_SET_NO_NEW_PRIVS = 38
PR_SET_PDEATHSIG = 1
PR_SET_SECCOMP = 22
PR_GET_SECCOMP = 21
PR_SET_DUMPABLE = 4

SYS_CLOSE_RANGE = 436
CLOSE_RANGE_CLOEXEC = 1 << 2
SYS_MOUNT_SETATTR = 442  # the same on x86_64 and aarch64
AT_FDCWD, AT_RECURSIVE = -100, 0x8000
MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID = 0x1, 0x2


def _check(ret: int, what: str) -> int:
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return ret


def _b(value: str | None) -> bytes | None:
    return None if value is None else os.fsencode(value)


def unshare(flags: int) -> None:
    """unshare(2): move the calling process into new namespaces."""
    _check(libc.unshare(flags), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    """mount(2)."""
    _check(
        libc.mount(_b(source), _b(target), _b(fstype), flags, data.encode() if data else None),
        f"mount {target}",
    )


def mount_setattr_tree(path: str, attr_set: int) -> None:
    """mount_setattr(2): set ``attr_set`` on the mount at ``path`` and every mount beneath."""
    attr = ctypes.create_string_buffer(attr_set.to_bytes(8, "little") + bytes(24), 32)
    syscall(
        SYS_MOUNT_SETATTR,
        ctypes.c_int(AT_FDCWD),
        os.fsencode(path),
        ctypes.c_uint(AT_RECURSIVE),
        attr,
        ctypes.c_size_t(32),
    )


def umount(target: str, flags: int = MNT_DETACH) -> None:
    """umount2(2), lazily by default."""
    _check(libc.umount2(_b(target), flags), f"umount {target}")


def prctl(option: int, a2: int = 0, a3: int = 0, a4: int = 0, a5: int = 0) -> int:
    """prctl(2) with integer arguments."""
    return _check(libc.prctl(option, a2, a3, a4, a5), f"prctl {option}")


def syscall(number: int, *args: object) -> int:
    """A raw syscall; raises OSError on failure."""
    return _check(libc.syscall(number, *args), f"syscall {number}")


def cloexec_from(low: int) -> None:
    """Mark every descriptor >= low close-on-exec (close_range CLOSE_RANGE_CLOEXEC)."""
    syscall(SYS_CLOSE_RANGE, ctypes.c_uint(low), ctypes.c_uint(0xFFFFFFFF), CLOSE_RANGE_CLOEXEC)


def close_all_but(keep: set[int]) -> None:
    """Close every descriptor >= 3 except those in keep."""
    low = 3
    for fd in sorted(f for f in keep if f >= 3):
        if fd > low:
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 20)
