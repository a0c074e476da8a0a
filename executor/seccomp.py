"""seccomp layer: a classic-BPF filter built by hand and installed with prctl (no libseccomp).

The filter checks the architecture first (x86_64 or aarch64; anything else, and x32
system calls, and the 32-bit ``int 0x80`` entry, kill the process), then refuses with
EPERM what agent code never needs: tracing, mounting, namespaces, kernel keyrings and
modules, the LDT, raising rlimits, ``socket()`` for every family the run is not allowed
(AF_UNIX included, so pathname sockets of host services stay out of reach) and
``socketpair()`` for any family but AF_UNIX (others only load kernel modules). A run
whose network is an egress allow-list may make AF_INET stream sockets and nothing else
(no UDP, so no DNS of its own; no IPv6, raw or packet sockets): all it can reach is the
proxy's listener on its own loopback.
"""

from __future__ import annotations

import ctypes
import errno
import struct

from airlock.executor import syscalls

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}

# Syscall numbers, checked against the kernel headers in tests/executor/test_seccomp.py.
SYSCALLS: dict[str, dict[str, int]] = {
    "x86_64": {
        "ptrace": 101, "mount": 165, "umount2": 166, "pivot_root": 155, "kexec_load": 246,
        "kexec_file_load": 320, "bpf": 321, "keyctl": 250, "add_key": 248, "request_key": 249,
        "setrlimit": 160, "personality": 135, "unshare": 272, "setns": 308,
        "perf_event_open": 298, "userfaultfd": 323, "init_module": 175, "finit_module": 313,
        "delete_module": 176, "reboot": 169, "swapon": 167, "swapoff": 168, "chroot": 161,
        "open_by_handle_at": 304, "name_to_handle_at": 303, "process_vm_readv": 310,
        "process_vm_writev": 311, "acct": 163, "quotactl": 179, "syslog": 103,
        "settimeofday": 164, "clock_settime": 227, "clock_adjtime": 305, "adjtimex": 159,
        "sethostname": 170, "setdomainname": 171, "vhangup": 153, "lookup_dcookie": 212,
        "kcmp": 312, "fanotify_init": 300, "iopl": 172, "ioperm": 173, "uselib": 134,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
        "fspick": 433, "mount_setattr": 442, "pidfd_getfd": 438, "io_uring_setup": 425,
        "io_uring_enter": 426, "io_uring_register": 427, "modify_ldt": 154,
        "prlimit64": 302, "clone": 56, "clone3": 435, "socket": 41, "socketpair": 53,
        "ioctl": 16, "timer_create": 222, "kill": 62, "tkill": 200, "tgkill": 234,
        "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297, "pidfd_send_signal": 424,
        "fcntl": 72,
    },
    "aarch64": {
        "ptrace": 117, "mount": 40, "umount2": 39, "pivot_root": 41, "kexec_load": 104,
        "kexec_file_load": 294, "bpf": 280, "keyctl": 219, "add_key": 217, "request_key": 218,
        "setrlimit": 164, "personality": 92, "unshare": 97, "setns": 268,
        "perf_event_open": 241, "userfaultfd": 282, "init_module": 105, "finit_module": 273,
        "delete_module": 106, "reboot": 142, "swapon": 224, "swapoff": 225, "chroot": 51,
        "open_by_handle_at": 265, "name_to_handle_at": 264, "process_vm_readv": 270,
        "process_vm_writev": 271, "acct": 89, "quotactl": 60, "syslog": 116,
        "settimeofday": 170, "clock_settime": 112, "clock_adjtime": 266, "adjtimex": 171,
        "sethostname": 161, "setdomainname": 162, "vhangup": 58, "lookup_dcookie": 18,
        "kcmp": 272, "fanotify_init": 262,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
        "fspick": 433, "mount_setattr": 442, "pidfd_getfd": 438, "io_uring_setup": 425,
        "io_uring_enter": 426, "io_uring_register": 427,
        "prlimit64": 261, "clone": 220, "clone3": 435, "socket": 198, "socketpair": 199,
        "ioctl": 29, "timer_create": 107, "kill": 129, "tkill": 130, "tgkill": 131,
        "rt_sigqueueinfo": 138, "rt_tgsigqueueinfo": 240, "pidfd_send_signal": 424,
        "fcntl": 25,
    },
}  # fmt: skip
# SIGXCPU is the kernel's word for "CPU limit reached": the program may not send it, so
# results.killed_by can take a program killed by SIGXCPU at its word. The signal number
# is the given argument of each sending call (index), a clone's exit signal its low byte,
# fcntl(F_SETSIG) its third argument; timer_create (which could name it inside a
# struct sigevent that BPF cannot read) is refused outright.
SIGNAL_ARG = {
    "kill": 1, "tkill": 1, "tgkill": 2, "rt_sigqueueinfo": 1, "rt_tgsigqueueinfo": 2,
    "pidfd_send_signal": 1,
}  # fmt: skip
SIGXCPU, F_SETSIG = 24, 10
SPECIAL = frozenset(
    {"prlimit64", "clone", "clone3", "socket", "socketpair", "ioctl", "fcntl", *SIGNAL_ARG}
)
DENIED = tuple(sorted(set(SYSCALLS["x86_64"]) - SPECIAL))

AF_UNIX, AF_INET, AF_INET6 = 1, 2, 10
NAMESPACE_FLAGS = (
    syscalls.CLONE_NEWNS | syscalls.CLONE_NEWCGROUP | syscalls.CLONE_NEWUTS
    | syscalls.CLONE_NEWIPC | syscalls.CLONE_NEWUSER | syscalls.CLONE_NEWPID
    | syscalls.CLONE_NEWNET
)  # fmt: skip
TIOCSTI, TIOCLINUX = 0x5412, 0x541C
SOCK_STREAM, SOCK_TYPE_MASK = 1, 0xF  # socket()'s type argument also carries flags

# classic BPF opcodes and seccomp return values
LD_ABS, JEQ, JGE, JSET, RET, AND = 0x20, 0x15, 0x35, 0x45, 0x06, 0x54
RET_KILL_PROCESS, RET_ALLOW, RET_ERRNO = 0x80000000, 0x7FFF0000, 0x00050000
OFF_NR, OFF_ARCH = 0, 4
X32_BIT = 0x40000000
SECCOMP_MODE_FILTER = 2


def _arg_lo(i: int) -> int:
    return 16 + 8 * i  # little-endian: low 32 bits of args[i]


def _ins(code: int, k: int, jt: int = 0, jf: int = 0) -> tuple[int, int, int, int]:
    return (code, jt, jf, k)


def build_filter(
    machine: str, allow_inet: bool, inet_stream_only: bool = False
) -> list[tuple[int, int, int, int]]:
    """The filter program as (code, jt, jf, k) tuples for ``machine``: ``allow_inet`` lets
    socket() make AF_INET and AF_INET6 sockets, ``inet_stream_only`` AF_INET stream ones."""
    if machine not in SYSCALLS:
        raise OSError(errno.ENOSYS, f"no seccomp syscall table for {machine}")
    nr = SYSCALLS[machine]
    eperm = _ins(RET, RET_ERRNO | errno.EPERM)
    allow = _ins(RET, RET_ALLOW)
    prog = [
        _ins(LD_ABS, OFF_ARCH),
        _ins(JEQ, AUDIT_ARCH[machine], 1, 0),
        _ins(RET, RET_KILL_PROCESS),
        _ins(LD_ABS, OFF_NR),
    ]
    if machine == "x86_64":
        prog += [_ins(JGE, X32_BIT, 0, 1), _ins(RET, RET_KILL_PROCESS)]
    for name in DENIED:
        if name in nr:
            prog += [_ins(JEQ, nr[name], 0, 1), eperm]
    prog += [_ins(JEQ, nr["clone3"], 0, 1), _ins(RET, RET_ERRNO | errno.ENOSYS)]
    # prlimit64(pid, resource, new, old): only reading (new == NULL) is allowed
    block = [_ins(LD_ABS, _arg_lo(2)), _ins(JEQ, 0, 1, 0), eperm]
    block += [_ins(LD_ABS, _arg_lo(2) + 4), _ins(JEQ, 0, 1, 0), eperm, allow]
    prog += [_ins(JEQ, nr["prlimit64"], 0, len(block)), *block]
    block = [_ins(LD_ABS, _arg_lo(0)), _ins(JSET, NAMESPACE_FLAGS, 0, 1), eperm]
    block += [_ins(AND, 0xFF), _ins(JEQ, SIGXCPU, 0, 1), eperm, allow]
    prog += [_ins(JEQ, nr["clone"], 0, len(block)), *block]
    for name, arg in SIGNAL_ARG.items():
        block = [_ins(LD_ABS, _arg_lo(arg)), _ins(JEQ, SIGXCPU, 0, 1), eperm, allow]
        prog += [_ins(JEQ, nr[name], 0, len(block)), *block]
    block = [_ins(LD_ABS, _arg_lo(1)), _ins(JEQ, F_SETSIG, 0, 3), _ins(LD_ABS, _arg_lo(2))]
    block += [_ins(JEQ, SIGXCPU, 0, 1), eperm, allow]
    prog += [_ins(JEQ, nr["fcntl"], 0, len(block)), *block]
    block = [_ins(LD_ABS, _arg_lo(0))]
    if inet_stream_only:
        block += [_ins(JEQ, AF_INET, 0, 3), _ins(LD_ABS, _arg_lo(1)), _ins(AND, SOCK_TYPE_MASK)]
        block += [_ins(JEQ, SOCK_STREAM, 1, 0)]
    elif allow_inet:
        block += [_ins(JEQ, AF_INET, 2, 0), _ins(JEQ, AF_INET6, 1, 0)]
    block += [eperm, allow]
    prog += [_ins(JEQ, nr["socket"], 0, len(block)), *block]
    # socketpair: AF_UNIX only (another family would make the kernel load its module)
    block = [_ins(LD_ABS, _arg_lo(0)), _ins(JEQ, AF_UNIX, 1, 0), eperm, allow]
    prog += [_ins(JEQ, nr["socketpair"], 0, len(block)), *block]
    block = [_ins(LD_ABS, _arg_lo(1)), _ins(JEQ, TIOCSTI, 1, 0), _ins(JEQ, TIOCLINUX, 0, 1)]
    block += [eperm, allow]
    prog += [_ins(JEQ, nr["ioctl"], 0, len(block)), *block]
    prog.append(allow)
    return prog


def compile_filter(program: list[tuple[int, int, int, int]]) -> bytes:
    """Pack the program as an array of struct sock_filter."""
    return b"".join(struct.pack("=HBBI", *ins) for ins in program)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install(packed: bytes) -> None:
    """Install a packed filter on the calling thread (needs no_new_privs or CAP_SYS_ADMIN)."""
    buf = ctypes.create_string_buffer(packed, len(packed))
    prog = _SockFprog(len(packed) // 8, ctypes.cast(buf, ctypes.c_void_p))
    syscalls.prctl(syscalls.PR_SET_NO_NEW_PRIVS, 1)
    syscalls.prctl(syscalls.PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog))


def available() -> str | None:
    """None when a filter can be installed here, else the reason it cannot."""
    if syscalls.MACHINE not in SYSCALLS:
        return f"unsupported architecture {syscalls.MACHINE}"
    try:
        syscalls.prctl(syscalls.PR_GET_SECCOMP)
    except OSError as exc:
        return f"seccomp not supported by this kernel ({exc.strerror})"
    return None
