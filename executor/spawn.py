"""The process tree of one run: helper -> init (PID 1 of a new PID namespace) -> program.

helper  (forked from the caller) joins the slot cgroup, starts a session, enters the new
        namespaces (with an egress allow-list: binds the proxy's listener on the new
        loopback and hands it to the host), builds the mount view, forks init, reports
        init's pid, waits.
init    mounts a fresh /proc, forks the program, reaps, and reports the program's wait
        status; when init exits the kernel kills every process left in the namespace.
program calls ``confine`` and execs the interpreter.

Everything the helpers say travels on one report pipe (init's pid, the program's wait
status and resource use, step costs, setup failures); report.py owns its format.
"""

from __future__ import annotations

import ctypes
import dataclasses
import gc
import os
import signal
import socket
import time
from dataclasses import dataclass

from airlock.executor import (
    cgroups,
    identity,
    inner_workdir,
    mounts,
    namespaces,
    report,
    syscalls,
)
from airlock.executor.confine import ChildPlan, ConfineError, confine, execute, set_oom_score

SETUP_FAILED = 111


@dataclass(frozen=True)
class SpawnPlan:
    """The namespace-level part of a run (the per-process part is ``child``)."""

    child: ChildPlan
    ns_flags: int
    loopback: bool
    mounts: mounts.MountPlan | None
    cgroup: cgroups.SlotCgroup | None
    userns: tuple[int, int] | None = None  # not root: (uid, gid) mapped in an own user ns
    inner: inner_workdir.InnerWorkdir | None = None  # not root: the helper mounts the tmpfs
    egress_port: int | None = None  # an allow-list: the proxy's port on the run's loopback


def _fail(fd: int, layer: str, exc: object) -> None:
    report.send(fd, report.SetupError(layer, str(exc)))


def _took(fd: int, **steps: int) -> None:
    report.send(fd, report.Timings(tuple(steps.items())))


def start(sp: SpawnPlan, report_w: int, from_caller: bool = True) -> int:
    """Fork the helper; returns its pid. The caller closes its copies of the child fds.

    ``from_caller``: this process is the executor's caller (not the clean spawner), so the
    helper blanks the caller's argv and environ in its copy.
    """
    caller = os.getpid()
    pid = os.fork()
    if pid == 0:
        gc.disable()  # a collection here would touch (and copy) every page of the caller's heap
        try:
            die_with_parent(caller)
            _helper(sp, report_w, from_caller)
        finally:
            os._exit(SETUP_FAILED)
    return pid


def die_with_parent(parent: int | None) -> None:
    """If the caller crashes, the helper (and so init, and so the namespace) dies too."""
    syscalls.prctl(syscalls.PR_SET_PDEATHSIG, signal.SIGKILL)
    if parent is not None and os.getppid() != parent:
        os._exit(SETUP_FAILED)


def _blank_args_and_environ() -> None:
    """Zero this copy's argv and environ block (what /proc/<pid>/cmdline and environ show):
    they are the caller's, and init, a fork of this process, is visible to the program."""
    with open("/proc/self/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    arg_start, arg_end, env_start, env_end = (int(x) for x in fields[45:49])
    for start, end in ((arg_start, arg_end), (env_start, env_end)):
        if 0 < start < end:
            ctypes.memset(start, 0, end - start)


def detach(from_caller: bool, keep: set[int]) -> None:
    """The helper's first steps: own session, no descriptor of the caller but ``keep``."""
    os.setsid()
    os.umask(0o022)  # mount points made below must be traversable by the run's uid
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the caller may ignore it; we must wait
    # helper and init still carry the caller's memory and environ: keep /proc/<pid> closed
    syscalls.prctl(syscalls.PR_SET_DUMPABLE, 0)
    if from_caller:
        _blank_args_and_environ()
    # nor the caller's stdin/stdout/stderr (a terminal, say): init would hold them all run long
    null = os.open("/dev/null", os.O_RDWR)
    for fd in {0, 1, 2} - keep:
        os.dup2(null, fd)
    syscalls.close_all_but(keep)  # null too, unless it is one of 0-2


def enter_cgroup(group: cgroups.SlotCgroup) -> None:
    """Join the slot's cgroups; as root, leave the OOM killer the program rather than init."""
    cgroups.join(group, os.getpid())
    if os.geteuid() == 0:
        set_oom_score("-1000")


def _helper(sp: SpawnPlan, rep: int, from_caller: bool) -> None:
    stage = "tree_kill"
    try:
        detach(from_caller, {rep, sp.child.stdout_fd, sp.child.stderr_fd})
        if sp.cgroup is not None:
            stage = "cgroup"
            enter_cgroup(sp.cgroup)
    except BaseException as exc:
        _fail(rep, stage, exc)
        os._exit(SETUP_FAILED)
    contain(sp, rep)


def contain(sp: SpawnPlan, rep: int) -> None:
    """The rest of the helper (already detached and in its cgroups): namespaces, mount view,
    init; waits for init and exits (never returns)."""
    stage = "namespaces"
    try:
        if sp.child.stdin_path is not None:  # before the view hides where it lies
            fd = os.open(sp.child.stdin_path, os.O_RDONLY | os.O_CLOEXEC)
            sp = dataclasses.replace(sp, child=dataclasses.replace(sp.child, stdin_fd=fd))
        t0 = time.perf_counter_ns()
        if sp.userns is not None:
            namespaces.enter_user(*sp.userns)
        namespaces.enter(sp.ns_flags, sp.loopback)
        if sp.egress_port is not None:
            stage = "network"
            _egress_listener(sp.egress_port, rep)
        t1 = time.perf_counter_ns()
        stage = "filesystem"
        if sp.inner is not None:
            top = inner_workdir.mount(sp.inner)
            report.send(rep, report.WorkdirFd(), (top,))
            os.close(top)
        if sp.mounts is not None:
            mounts.apply(sp.mounts)
        _took(rep, namespaces=t1 - t0, mounts=time.perf_counter_ns() - t1)
        stage = "tree_kill"
        init = os.fork()
        if init == 0:
            _init(sp, rep)
        os.close(sp.child.stdout_fd)
        os.close(sp.child.stderr_fd)
        report.send(rep, report.InitPid(init))
        os.waitpid(init, 0)
        os._exit(0)
    except BaseException as exc:
        _fail(rep, stage, exc)
        os._exit(SETUP_FAILED)


def _egress_listener(port: int, rep: int) -> None:
    """Listen on 127.0.0.1:``port`` in the run's (new, loopback-only) network namespace and
    send the socket to the host, whose egress proxy accepts on it; this process keeps no
    copy, so neither init nor the program holds it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_CLOEXEC) as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        report.send(rep, report.EgressListenerFd(), (listener.fileno(),))


def _init(sp: SpawnPlan, rep: int) -> None:
    try:
        die_with_parent(None)
        if sp.mounts is not None and sp.ns_flags & syscalls.CLONE_NEWPID:
            t0 = time.perf_counter_ns()
            mounts.mount_proc()
            identity.bind_proc()
            _took(rep, proc=time.perf_counter_ns() - t0)
        program = os.fork()
        if program == 0:
            _program(sp.child, rep)
        os.close(sp.child.stdout_fd)
        os.close(sp.child.stderr_fd)
        while True:
            pid, status, ru = os.wait4(-1, 0)
            if pid == program:
                report.send(rep, report.Status(status, ru.ru_utime + ru.ru_stime, ru.ru_maxrss))
                os._exit(0)
    except BaseException as exc:
        _fail(rep, "tree_kill", exc)
        os._exit(SETUP_FAILED)


def _program(plan: ChildPlan, rep: int) -> None:
    try:
        confine(plan)
        _took(rep, **plan.timings)
        execute(plan)
        layer, exc = "exec", "execve returned"
    except ConfineError as err:
        layer, exc = err.layer, err.__cause__ or err
    except BaseException as err:
        layer, exc = "exec", err
    _fail(rep, layer, exc)
    os._exit(SETUP_FAILED)
