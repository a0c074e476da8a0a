"""Landlock layer: restrict the file system (and TCP, signals, abstract sockets) by ctypes.

Reads and executes are allowed beneath the interpreter's directories, /usr, /lib*, /etc and
/proc; writes only beneath the run's working directory (and its private /tmp, /dev/shm).
Everything else, including every other host path, is denied by the kernel. TCP (ABI 4 on)
is denied outright with no network, or allowed only to connect to one port (the egress
proxy's) with an allow-list.
"""

from __future__ import annotations

import ctypes
import functools
import os
import stat
import struct
from dataclasses import dataclass

from airlock.executor import syscalls

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH, RULE_NET_PORT = 1, 2

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
NET_BIND_TCP, NET_CONNECT_TCP = 1, 2
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2

READ = READ_FILE | READ_DIR
READ_EXEC = READ | EXECUTE
WRITE = WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | MAKE_SYM | MAKE_FIFO
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV


@dataclass(frozen=True)
class Rule:
    """Access ``rights`` beneath ``path`` (a directory) or on it (a file)."""

    path: str
    rights: int


@functools.cache
def abi_version() -> int:
    """The kernel's Landlock ABI version; 0 when Landlock is absent or disabled."""
    ret = syscalls.libc.syscall(SYS_CREATE_RULESET, None, 0, CREATE_RULESET_VERSION)
    return max(int(ret), 0)


def handled_fs(abi: int) -> int:
    """Every file-system right this ABI knows (so each is denied unless a rule grants it)."""
    return next(mask for version, mask in sorted(FS_BY_ABI.items(), reverse=True) if abi >= version)


def rules_for(
    read_exec: list[str],
    read: list[str],
    read_write: list[str],
    abi: int,
    read_in_view: tuple[str, ...] = (),
    write_in_view: tuple[str, ...] = (),
) -> list[Rule]:
    """The rule list for a run; paths that do not exist here are skipped, but for
    ``read_in_view`` and ``write_in_view`` (paths that exist only in the run's mount view)."""
    full = handled_fs(abi)
    write = (WRITE | (REFER if abi >= 2 else 0) | (TRUNCATE if abi >= 3 else 0)) & full
    rules = [Rule(p, READ_EXEC) for p in read_exec]
    rules += [Rule(p, READ) for p in read]
    rules += [Rule(p, READ | write) for p in read_write]
    rules = [r for r in rules if os.path.lexists(r.path)]
    return (
        rules
        + [Rule(p, READ) for p in read_in_view]
        + [Rule(p, READ | write) for p in write_in_view]
    )


def restrict_self(
    rules: list[Rule], abi: int, deny_tcp: bool, connect_port: int | None = None
) -> None:
    """Build the ruleset and enforce it on the calling thread (no_new_privs must be set).
    ``deny_tcp`` refuses TCP bind and connect but, with ``connect_port``, connecting there."""
    handled = handled_fs(abi)
    attr = struct.pack("=Q", handled)
    net = abi >= 4 and deny_tcp
    if abi >= 4:
        attr += struct.pack("=Q", (NET_BIND_TCP | NET_CONNECT_TCP) if deny_tcp else 0)
    if abi >= 6:
        attr += struct.pack("=Q", SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL)
    buf = ctypes.create_string_buffer(attr, len(attr))
    ruleset = syscalls.syscall(SYS_CREATE_RULESET, buf, ctypes.c_size_t(len(attr)), 0)
    try:
        for rule in rules:
            fd = os.open(rule.path, os.O_PATH | os.O_CLOEXEC)
            try:
                rights = rule.rights & handled
                if not stat.S_ISDIR(os.fstat(fd).st_mode):
                    rights &= FILE_RIGHTS
                beneath = ctypes.create_string_buffer(struct.pack("=Qi", rights, fd), 12)
                syscalls.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, beneath, 0)
            finally:
                os.close(fd)
        if net and connect_port is not None:
            port = ctypes.create_string_buffer(struct.pack("=QQ", NET_CONNECT_TCP, connect_port))
            syscalls.syscall(SYS_ADD_RULE, ruleset, RULE_NET_PORT, port, 0)
        syscalls.prctl(syscalls.PR_SET_NO_NEW_PRIVS, 1)
        syscalls.syscall(SYS_RESTRICT_SELF, ruleset, 0)
    finally:
        os.close(ruleset)


def available() -> str | None:
    """None when Landlock can be used here, else why not."""
    abi = abi_version()
    return None if abi >= 1 else "Landlock is not enabled in this kernel"
