"""Namespace layers: PID (whole-tree kill), network (loopback only), plus IPC and UTS.

A caller that is not root first enters a user namespace of its own (``enter_user``) in
which its uid and gid map to themselves and nothing else; the other namespaces it then
creates belong to that user namespace, which is what lets an ordinary user make them.
"""

from __future__ import annotations

import fcntl
import os
import socket
import struct

from airlock.executor import syscalls

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
HOSTNAME = "airlock"


def flags_for(pid: bool, net: bool, mnt: bool) -> int:
    """The unshare(2) flags for the layers in use; IPC and UTS ride along with the PID one."""
    flags = 0
    if pid:
        flags |= syscalls.CLONE_NEWPID | syscalls.CLONE_NEWIPC | syscalls.CLONE_NEWUTS
    if net:
        flags |= syscalls.CLONE_NEWNET
    if mnt:
        flags |= syscalls.CLONE_NEWNS
    return flags


def enter_user(uid: int, gid: int) -> None:
    """unshare(CLONE_NEWUSER) and map ``uid``/``gid`` onto themselves (one id each, no
    setgroups). The caller keeps every capability inside, and only inside, until it execs."""
    syscalls.unshare(syscalls.CLONE_NEWUSER)
    # a non-dumpable process's /proc/self files belong to root: dumpable just for the maps
    syscalls.prctl(syscalls.PR_SET_DUMPABLE, 1)
    try:
        for name, text in (
            ("setgroups", "deny"),
            ("uid_map", f"{uid} {uid} 1"),
            ("gid_map", f"{gid} {gid} 1"),
        ):
            fd = os.open(f"/proc/self/{name}", os.O_WRONLY | os.O_CLOEXEC)
            try:
                os.write(fd, text.encode())
            finally:
                os.close(fd)
    finally:
        syscalls.prctl(syscalls.PR_SET_DUMPABLE, 0)


def enter(flags: int, loopback: bool) -> None:
    """unshare into new namespaces; in a new network namespace optionally bring ``lo`` up."""
    if not flags:
        return
    syscalls.unshare(flags)
    if flags & syscalls.CLONE_NEWUTS:
        socket.sethostname(HOSTNAME)
    if flags & syscalls.CLONE_NEWNET and loopback:
        loopback_up()


def loopback_up() -> None:
    """ifconfig lo up, by ioctl."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sh22x", b"lo", 0)
        flags = struct.unpack("16sh22x", fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack("16sh22x", b"lo", flags | IFF_UP))
