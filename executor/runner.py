"""``run``: put one piece of code through every isolation layer this machine offers."""

from __future__ import annotations

import functools
import os
import socket
import sys
import time
from collections.abc import Callable, Mapping

from airlock.executor import (
    cgroups,
    egress_run,
    environment,
    identity,
    inner_workdir,
    landlock,
    launch,
    mounts,
    namespaces,
    rlimits,
    seccomp,
    slots,
    spawn,
    standby,
    supervise,
    syscalls,
    user,
    workfiles,
)
from airlock.executor.confine import ChildPlan
from airlock.executor.control import Control
from airlock.executor.models import ExecutionResult, LayerStatus, Limits
from airlock.executor.policy import SandboxPolicy, active, plan_layers, refusal
from airlock.executor.probe import probe_layers
from airlock.executor.results import interpret

INTERPRETER = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
SITE_DIRS = tuple(p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p))
LAST_CAP = user.last_capability()
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin")
ETC_FILES = tuple(f"/etc/{name}" for name in mounts.ETC_KEEP)  # and Landlock reads no more
READ_ONLY_FILES = ("/dev/urandom", "/dev/random", "/dev/zero")


def run(
    code: str,
    *,
    limits: Limits | None = None,
    files: Mapping[str, bytes | str | os.PathLike[str]] | None = None,
    files_writable: bool = False,
    env: Mapping[str, str] | None = None,
    policy: SandboxPolicy | None = None,
    allow_degraded: bool = False,
    stdin: bytes | None = None,
    on_stdout: Callable[[bytes], object] | None = None,
    on_stderr: Callable[[bytes], object] | None = None,
    control: Control | None = None,
) -> ExecutionResult:
    """Run ``code`` as ``main.py`` in a fresh confined interpreter and report what happened.

    ``stdin`` (at most ``limits.max_stdin_bytes``) is what the program reads on its
    standard input, then end of file; without it stdin is empty. ``on_stdout`` and
    ``on_stderr`` receive the output as it is written (up to each stream's cap, the same
    bytes the result keeps); a callback that raises is dropped, the run goes on.
    ``control`` (sessions use it, with ``stdin`` None) makes stdin a request FIFO the caller
    writes to and gives it a stop switch; the output then goes to the callbacks only (the
    result keeps none), and an empty chunk tells a callback its stream has closed.

    Fails closed: when a layer the policy requires is unavailable the result is ``refused``
    and nothing runs, unless ``allow_degraded`` (then ``degraded`` is set). Bad code never
    raises; invalid arguments (file names, environment) raise ValueError.
    """
    limits = limits or Limits()
    policy = policy or SandboxPolicy()
    if not isinstance(code, str):
        raise ValueError(f"code must be str, not {type(code).__name__}")
    caller_env = environment.validate(env)
    inputs = workfiles.load_inputs(files)
    if stdin is not None and not isinstance(stdin, bytes | bytearray | memoryview):
        raise ValueError(f"stdin must be bytes, not {type(stdin).__name__}")
    if stdin is not None and len(stdin) > limits.max_stdin_bytes:
        raise ValueError(f"stdin is larger than max_stdin_bytes={limits.max_stdin_bytes}")
    if control is not None and stdin is not None:
        raise ValueError("a run under a control reads its requests on stdin: stdin must be None")
    layers = planned_layers(policy)
    result = ExecutionResult(layers=layers, limits=limits)
    missing = refusal(layers, policy)
    if missing and not allow_degraded:
        result.refused = missing
        return result
    if limits.egress is not None and "network" not in active(layers):  # degraded or not
        result.refused = "network: an egress allow-list needs the run's own network namespace"
        return result
    result.degraded = missing is not None
    needed = sum(
        -(-len(data) // 4096) * 4096
        for data in [code.encode("utf-8", "surrogatepass"), *inputs.values()]
    )
    if needed > limits.max_disk_mb * rlimits.MB:
        result.killed_reason = (
            f"not run: the code and input files need {needed} bytes, "
            f"more than max_disk_mb={limits.max_disk_mb}"
        )
        return result
    try:
        live = (on_stdout, on_stderr)
        feed = None if stdin is None else bytes(stdin)
        _run(
            code, limits, inputs, files_writable, caller_env, active(layers), result, feed, live,
            control,
        )  # fmt: skip
    except Exception as exc:  # the sandbox itself failed: say so, never raise
        result.killed_reason = f"sandbox failure: {type(exc).__name__}: {exc}"
        result.exit_code = None
    return result


def _world_readable(path: str) -> bool:
    """Whether a process of another uid can reach ``path`` (every ancestor o+x, itself o+r)."""
    parts = os.path.realpath(path).split("/")
    for i in range(2, len(parts)):
        if not os.stat("/".join(parts[:i]) or "/").st_mode & 0o001:
            return False
    return bool(os.stat(path).st_mode & 0o004)


INTERPRETER_SHARED = _world_readable(INTERPRETER)


def planned_layers(policy: SandboxPolicy) -> list[LayerStatus]:
    """The layers a run under ``policy`` gets on this machine (``refusal`` judges them)."""
    return _consistent(plan_layers(probe_layers(), policy))


def _consistent(layers: list[LayerStatus]) -> list[LayerStatus]:
    """A separate uid needs the filesystem layer when the interpreter sits in a private dir."""
    on = active(layers)
    if "user" in on and "filesystem" not in on and not INTERPRETER_SHARED:
        reason = f"{INTERPRETER} is not readable by other users without the filesystem layer"
        return [
            LayerStatus(name="user", status="unavailable", reason=reason)
            if lay.name == "user"
            else lay
            for lay in layers
        ]
    return layers


@functools.cache
def _filter(network: str) -> bytes:
    """The seccomp filter for a network kind: none, loopback or allow (an allow-list)."""
    loopback, egress = network == "loopback", network == "allow"
    return seccomp.compile_filter(seccomp.build_filter(syscalls.MACHINE, loopback, egress))


def _boot(work: str, site: tuple[str, ...]) -> bytes:
    path = os.path.join(work, workfiles.CODE_NAME)
    return (
        f"import sys;sys.path[:0]=[{work!r}];sys.path+={list(site)!r};"
        f"sys.argv[:]=[{path!r}];del sys;__file__={path!r};"
        "exec(compile(open(__file__,'rb').read(),__file__,'exec'))"
    ).encode()


def _pipe(channel: bool = False) -> tuple[int, int]:
    """A pipe, or with ``channel`` a SOCK_SEQPACKET pair (the report channel, which can
    carry a descriptor): (read end, write end)."""
    if channel:
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        r, w = a.detach(), b.detach()
        os.set_inheritable(w, False)
    else:
        r, w = os.pipe()
    for fd in (r, w):
        if fd < 3:
            raise OSError("standard descriptors are closed in the executor process")
    return r, w


def _run(
    code: str,
    limits: Limits,
    inputs: dict[str, bytes],
    files_writable: bool,
    caller_env: dict[str, str],
    on: frozenset[str],
    result: ExecutionResult,
    stdin: bytes | None = None,
    live: tuple[Callable[[bytes], object] | None, ...] = (None, None),
    control: Control | None = None,
) -> None:
    t0 = time.monotonic()
    timing = result.timing
    parked = standby.claim() if "cgroup" in on else None  # a standby is only of use in one
    slot, sb = parked or (slots.acquire(), None)
    result.slot = slot.number
    uid, gid = (user.uid_for(slot.number),) * 2 if "user" in on else (os.getuid(), os.getgid())
    result.run_uid = uid
    fs = "filesystem" in on
    root = os.geteuid() == 0
    group = cgroups.for_slot(slot.number) if "cgroup" in on else None
    if sb is not None and not launch.usable(sb, group):
        standby.discard(sb)
        sb = None
    fds: list[int] = []
    route = egress_run.RunEgress(limits.egress) if limits.egress is not None else None
    helper: int | None = None
    pidfd, is_child = -1, True
    finished = False
    counters = cgroups.Baseline()
    wd = mounts.Workdir(os.path.join(slot.path, "fs"), tmpfs=fs)
    try:
        inodes = limits.max_files + 16 + 2 * len(inputs)
        wd = mounts.create_workdir(slot.path, limits.max_disk_mb, inodes, uid, gid, fs and root)
        inner = None  # not root: the helper mounts the tmpfs in its own namespaces
        if fs and not root:
            inner = inner_workdir.InnerWorkdir(wd.root, limits.max_disk_mb, inodes)
        stdin_path = None
        if stdin is not None:  # beside the workdir, never inside the program's view
            stdin_path = os.path.join(wd.root, "stdin")
            workfiles.write_private(stdin_path, stdin)
        elif control is not None:
            stdin_path = os.path.join(wd.root, "stdin")
            control.attach(stdin_path)
        code_bytes = code.encode("utf-8", "surrogatepass")
        workfiles.write_inputs(wd.work, code_bytes, inputs, uid, gid, files_writable)
        if group is not None:
            memory = limits.memory_mb * rlimits.MB
            keep = frozenset({sb.pid}) if sb is not None else frozenset()
            counters = cgroups.prepare(group, memory, limits.max_processes + 2, keep)
        in_cgroup = group is not None and cgroups.bounds_swap(group)  # memory held there
        site_seen = mounts.site_view(SITE_DIRS) if fs else SITE_DIRS
        work_seen = mounts.work_view(wd) if fs else wd.work
        tmpdir = "/tmp" if fs else wd.tmp
        rules = None
        if "landlock" in on:
            abi = landlock.abi_version()
            rw = [tmpdir, "/dev/null"] + (["/dev/shm"] if fs else [])
            ro = [*ETC_FILES, "/proc", *READ_ONLY_FILES, *([] if fs else ["/etc/hosts"])]
            rules = tuple(
                landlock.rules_for(
                    [sys.base_prefix, *SYSTEM_DIRS],
                    ro,
                    rw,
                    abi,
                    (*site_seen, *(identity.READABLE if fs else ())),
                    (work_seen,),
                )
            )
        out_r, out_w = _pipe()
        err_r, err_w = _pipe()
        rep_r, rep_w = _pipe(channel=True)
        fds += [out_r, out_w, err_r, err_w, rep_r, rep_w]
        if "environment" in on:
            child_env = environment.build(caller_env, work_seen, tmpdir)
        else:
            child_env = {
                os.fsencode(k): os.fsencode(v) for k, v in {**os.environ, **caller_env}.items()
            }
        if route is not None:
            child_env.update({k.encode(): v.encode() for k, v in egress_run.proxy_env().items()})
        network = "allow" if route is not None else str(limits.network)
        flags = namespaces.flags_for("tree_kill" in on, "network" in on, fs)
        own_userns = bool(flags) and not root
        child = ChildPlan(
            executable=INTERPRETER,
            argv=(INTERPRETER.encode(), b"-I", b"-S", b"-B", b"-c", _boot(work_seen, site_seen)),
            env=child_env,
            cwd=work_seen,
            stdout_fd=out_w,
            stderr_fd=err_w,
            rlimits=tuple(rlimits.limits_for(limits, in_cgroup)) if "rlimits" in on else None,
            uid=uid if "user" in on else None,
            gid=gid if "user" in on else None,
            landlock_rules=rules,
            landlock_abi=landlock.abi_version() if rules is not None else 0,
            deny_tcp=network != "loopback",
            tcp_connect_port=egress_run.PORT if route is not None else None,
            seccomp_filter=_filter(network) if "seccomp" in on else None,
            oom_score_adj=1000,
            # a program left uid 0, or holding a user namespace's capabilities until exec
            drop_caps_up_to=LAST_CAP if "user" not in on and (root or own_userns) else None,
            stdin_path=stdin_path,
        )
        plan = spawn.SpawnPlan(
            child,
            flags,
            network != "none",
            mounts.plan(wd, [sys.base_prefix], SITE_DIRS, site_seen) if fs else None,
            group,
            userns=(os.getuid(), os.getgid()) if own_userns else None,
            inner=inner,
            egress_port=egress_run.PORT if route is not None else None,
        )
        keep = control is None
        streams = [
            supervise.Stream(out_r, limits.max_stdout_bytes, live=live[0], keep=keep),
            supervise.Stream(err_r, limits.max_stderr_bytes, live=live[1], keep=keep),
        ]
        for s in streams:
            supervise.widen(s.fd)
        started = time.monotonic()
        timing["prepare"] = (started - t0) * 1000
        helper, pidfd, is_child = launch.start(plan, rep_w, INTERPRETER, sb)
        fds.append(pidfd)
        timing["spawn"] = (time.monotonic() - started) * 1000
        if sb is not None and helper == sb.pid:
            timing["standby_wait"] = sb.waited_ms
        for fd in (out_w, err_w, rep_w):
            os.close(fd)
            fds.remove(fd)

        def kill(init_pid: int | None, timed_out: bool) -> bool:
            session = is_child or launch.alive(pidfd)
            return launch.kill_tree(helper, init_pid if timed_out else None, group, session)

        stop_fd = None if control is None else control.stop_fd
        outcome = supervise.supervise(
            helper, pidfd, is_child, streams, rep_r, limits.timeout_s, kill, started,
            on_egress=route.take if route is not None else None, stop_fd=stop_fd,
        )  # fmt: skip
        if outcome.reports.egress_fd is not None:
            fds.append(outcome.reports.egress_fd)
        if route is not None:
            route.finish(result)
        if outcome.status is not None:
            helper = None
        t1 = time.monotonic()
        peak, oom = cgroups.usage(group, counters) if group is not None else (None, False)
        top = outcome.reports.workdir_fd
        if top is not None:
            fds.append(top)
        work: str | int | None = wd.work if inner is None else _inner_work(top)
        if isinstance(work, int):
            fds.append(work)
        if work is not None:
            got = workfiles.collect(
                work, inputs, limits.max_output_files, limits.max_output_file_bytes
            )
            result.files, result.omitted = got.files, got.omitted
            result.omitted_count = got.omitted_count
        interpret(result, outcome, streams, limits, peak, oom)
        timing["run"] = outcome.wall_s * 1000
        timing["collect"] = (time.monotonic() - t1) * 1000
        finished = helper is None and not outcome.survivors  # reaped, and the cgroup empty
    finally:
        t2 = time.monotonic()
        counters.close()
        if route is not None:
            route.close()
        if sb is not None:
            standby.discard(sb)  # unless it became this run's helper
        if helper is not None:  # the sandbox failed mid-run: make sure nothing is left
            launch.kill_tree(helper, None, group, is_child or launch.alive(pidfd))
            if is_child:
                launch.reap(helper)
        for fd in fds:
            os.close(fd)
        mounts.remove_workdir(wd)
        if not (finished and launch.leave_standby(slot, group, INTERPRETER, sb is not None)):
            slot.release()
        timing["cleanup"] = (time.monotonic() - t2) * 1000
        timing["total"] = (time.monotonic() - t0) * 1000


def _inner_work(top: int | None) -> int | None:
    """The work/ directory of a tmpfs the helper mounted (None if it never sent one)."""
    if top is None:
        return None
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open("work", flags, dir_fd=top)
    except OSError:
        return None


def reclaim_slots() -> list[int]:
    """Unmount and empty what crashed callers left in free slots; returns the slot numbers."""

    def clean(slot: slots.Slot) -> None:
        mounts.remove_workdir(mounts.Workdir(os.path.join(slot.path, "fs"), tmpfs=False))
        if "cgroup" in active(probe_layers()):
            cgroups.kill_all(cgroups.for_slot(slot.number))

    return slots.reclaim(clean)
