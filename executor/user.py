"""Unprivileged-user layer: a root caller's child runs as a per-slot uid with no groups."""

from __future__ import annotations

import os
import pwd

from airlock.executor import settings, syscalls


def uid_base() -> int:
    """The first slot's uid (the ``uid_base`` setting)."""
    return settings.current().uid_base


def uid_for(slot: int) -> int:
    """The uid (and gid) reserved for a slot."""
    return uid_base() + slot


def drop(uid: int, gid: int) -> None:
    """setgroups([]), setresgid, setresuid: irreversibly become uid/gid."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError("privileges were not dropped")


PR_CAPBSET_DROP, PR_SET_SECUREBITS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 28, 47, 4
# SECBIT_NOROOT | NOROOT_LOCKED | NO_CAP_AMBIENT_RAISE | NO_CAP_AMBIENT_RAISE_LOCKED
LOCKED_NOROOT = 0x01 | 0x02 | 0x40 | 0x80


def last_capability() -> int:
    """The highest capability number this kernel knows."""
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 40


def drop_capabilities(last_cap: int) -> None:
    """For a child that stays uid 0: empty the bounding and ambient sets and lock
    SECBIT_NOROOT, so the program it execs holds no capability (no CAP_SYS_PTRACE to read
    other processes' memory or environ, no CAP_SYS_ADMIN, ...)."""
    for cap in range(last_cap + 1):
        syscalls.prctl(PR_CAPBSET_DROP, cap)
    syscalls.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    syscalls.prctl(PR_SET_SECUREBITS, LOCKED_NOROOT)


def available() -> str | None:
    """None when the child can be given its own uid, else why not."""
    if os.geteuid() != 0:
        return (
            "the executor is not root: the program keeps the caller's uid, mapped alone into "
            "its own user namespace, with no capabilities"
        )
    try:
        base = uid_base()
    except settings.SettingsError as exc:
        return str(exc)
    try:
        taken = pwd.getpwuid(base)
    except KeyError:
        return None
    return f"uid {base} belongs to account {taken.pw_name!r} (set {settings.VARIABLES['uid_base']})"
