"""Escape cases: privilege, limits, signals and tracing aimed at the host.

Host-side evidence: /proc/<pid>/status (uids, capabilities, NoNewPrivs, Seccomp, TracerPid),
/proc/<pid>/limits and /proc/<pid>/ns of the running program, and the liveness of a victim
process and of the process that called the executor.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import pytest
from escape_hosts import Victim, run_in_helper
from escape_proc import Monitor
from escape_support import confined, new_marker, program, small_limits, started, unconfined

from airlock.executor import ExecutionResult

pytestmark = [pytest.mark.timeout(60)]

LIBC = "import ctypes, os, time\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.syscall.restype = ctypes.c_long\n"
HOLD = "time.sleep(1.0)\n"  # long enough for the monitor to sample it on a loaded machine


@pytest.mark.layer("user")
def test_setuid_root_and_capabilities_are_out_of_reach(require_root: None) -> None:
    body = (
        LIBC + "for call, args in ((os.setuid, (0,)), (os.setresuid, (0, 0, 0)),"
        " (os.setgid, (0,)), (os.setgroups, ([0],))):\n"
        "    try:\n        call(*args); print('gained', call.__name__)\n"
        "    except OSError as e:\n        print('denied', call.__name__, e)\n"
        "hdr = (ctypes.c_uint32 * 2)(0x20080522, 0)\n"
        "data = (ctypes.c_uint32 * 6)(*([0xFFFFFFFF] * 6))\n"
        "print('capset', libc.capset(hdr, data), ctypes.get_errno())\n" + HOLD
    )
    marker = new_marker()
    with Monitor(marker) as mon:
        result, _ = confined(marker, body)
    started(result, marker)
    assert mon.seen
    assert mon.field_values("CapEff") == {"0000000000000000"}, mon.field_values("CapEff")
    uids = {int(u.split()[1]) for u in mon.field_values("Uid")}  # effective uid
    assert 0 not in uids, "the program ran with effective uid 0"

    control = new_marker()
    with Monitor(control) as mon:
        unconfined(program(control, body))
    assert mon.field_values("CapEff") != {"0000000000000000"}


RAISE_NOFILE = (
    "import resource, time\n"
    "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
    "for res in (resource.RLIMIT_NOFILE, resource.RLIMIT_NPROC, resource.RLIMIT_AS, resource.RLIMIT_CPU):\n"
    "    try:\n        resource.setrlimit(res, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))\n"
    "    except (OSError, ValueError) as e:\n        print('denied', res, e)\n"
    "try:\n    resource.setrlimit(resource.RLIMIT_NOFILE, (hard + 1000, hard + 1000))\n"
    "except (OSError, ValueError) as e:\n    print('denied', e)\n"
    "time.sleep(0.4)\n"
)


@pytest.mark.layer("rlimits")
def test_hard_rlimits_cannot_be_raised() -> None:
    marker = new_marker()
    with Monitor(marker, deep=True) as mon:
        result, _ = confined(marker, RAISE_NOFILE, limits=small_limits(max_open_files=64))
    started(result, marker)
    seen = [s.limits_open_files for s in mon.samples if s.limits_open_files is not None]
    assert seen and max(seen) <= 64, f"hard RLIMIT_NOFILE went up to {max(seen)}"

    control = new_marker()
    lower = "import resource\nresource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))\n"
    # the raised limit held long enough for the sampler to see it on a loaded machine
    hold = "time.sleep(1.5)\n"
    with Monitor(control, deep=True) as mon:
        unconfined(program(control, lower + RAISE_NOFILE + hold))
    assert max(s.limits_open_files or 0 for s in mon.samples) > 64


def _helper_result(marker: str, body: str) -> ExecutionResult:
    token = "HOSTTOKEN" + secrets.token_hex(8)
    return ExecutionResult.model_validate(run_in_helper(marker, body, token, "run"))


@pytest.mark.layer("pidns", "user")
def test_killing_the_parent_and_a_host_process_fails(victim: Victim) -> None:
    body = (
        "import os, signal\n"
        f"for pid in (os.getppid(), HELPER_PID, {victim.pid}):\n"
        "    try:\n        os.kill(pid, signal.SIGKILL); print('killed', pid)\n"
        "    except OSError as e:\n        print('denied', pid, e)\n"
    )
    marker = new_marker()
    result = _helper_result(marker, body)  # asserts the helper (the executor's process) lived
    started(result, marker)
    assert victim.alive, "the run killed a host process"
    unconfined(program(marker, f"import os\nos.kill({victim.pid}, 9)\n"))
    victim.proc.wait(timeout=5)
    assert not victim.alive, "control: the victim could not be killed"


KILL_ALL = {
    "kill_minus_one": "import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError as e:\n    print('denied', e)\nprint('after')\n",
    "kill_every_visible_pid": (
        "import os, signal\n"
        "for p in [int(p) for p in os.listdir('/proc') if p.isdigit()]:\n"
        "    if p != os.getpid():\n"
        "        try:\n            os.kill(p, signal.SIGKILL)\n"
        "        except OSError:\n            pass\n"
        "print('after')\n"
    ),
}


@pytest.mark.layer("pidns", "user")
@pytest.mark.parametrize("case", sorted(KILL_ALL))
def test_signal_to_every_process_stays_inside_the_sandbox(case: str, victim: Victim) -> None:
    """Run only when the pid namespace and the unprivileged user are both active (safety)."""
    marker = new_marker()
    result = _helper_result(marker, KILL_ALL[case])
    started(result, marker)
    assert victim.alive, "a signal from the sandbox reached a host process"
    # Control (never kill -1 outside a sandbox): the liveness check does see a kill by pid.
    unconfined(program(marker, f"import os\nos.kill({victim.pid}, 9)\n"))
    victim.proc.wait(timeout=5)
    assert not victim.alive


PTRACE = {
    "ptrace_via_libc": "libc.ptrace(0x4206, pid, 0, 0)",  # PTRACE_SEIZE
    "ptrace_raw_syscall": "libc.syscall(101, 0x4206, pid, 0, 0)",
}


@pytest.mark.layer("seccomp")
@pytest.mark.parametrize("case", sorted(PTRACE))
def test_ptrace_of_a_host_process_and_the_parent(case: str, victim: Victim) -> None:
    body = (
        LIBC + f"for pid in (os.getppid(), {victim.pid}):\n"
        f"    print('ptrace', pid, {PTRACE[case]}, ctypes.get_errno())\n" + HOLD
    )
    marker = new_marker()
    with Monitor(victim.arg_token) as watch:
        result, _ = confined(marker, body)
    started(result, marker)
    assert watch.seen
    assert watch.field_values("TracerPid") == {"0"}, "the run attached to a host process"
    assert _tracer_of(os.getpid()) == 0
    with Monitor(victim.arg_token) as watch:
        unconfined(program(marker, body))
    assert watch.field_values("TracerPid") != {"0"}, "control: the attach was not observed"


def _tracer_of(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("TracerPid"))


@pytest.mark.layer("seccomp")
def test_raw_mount_syscall_leaves_no_mount() -> None:
    source = "alkmnt" + secrets.token_hex(6)
    body = (
        LIBC + "for target in (b'/tmp', os.getcwd().encode()):\n"
        f"    rc = libc.syscall(165, b'{source}', target, b'tmpfs', 0, None)\n"
        "    print('mount', target, rc, ctypes.get_errno())\n" + HOLD
    )
    marker = new_marker()
    with Monitor(marker, deep=True) as mon:
        result, _ = confined(marker, body)
    started(result, marker)
    assert mon.seen
    assert not any(source in s.mountinfo for s in mon.samples), "the run mounted a file system"
    assert source not in Path("/proc/self/mountinfo").read_text()
    # Control in a private mount namespace of its own, so the host's mount table is untouched.
    private = (
        LIBC
        # an ordinary user needs an own user namespace for a mount namespace of its own
        + f"assert libc.unshare(0x00020000 | {0 if os.geteuid() == 0 else 0x10000000}) == 0\n"
        + "libc.mount(b'none', b'/', None, 0x4000 | 0x40000, None)\n"
    )
    control = new_marker()
    with Monitor(control, deep=True) as mon:
        unconfined(program(control, private + body))
    assert any(source in s.mountinfo for s in mon.samples)


NEW_NAMESPACES = {
    "unshare": (
        "for flags in (0x10000000 | 0x00020000, 0x10000000, 0x40000000, 0x20000000):\n"
        "    print('unshare', hex(flags), libc.unshare(flags), ctypes.get_errno())\n"
    ),
    # raw clone / clone3 with CLONE_NEWUSER: the child (if any) sleeps, then exits
    "clone_newuser": (
        "pid = libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0)\n"
        "print('clone', pid, ctypes.get_errno(), flush=True)\n"
        "if pid == 0:\n    time.sleep(0.4); os._exit(0)\n"
    ),
    "clone3_newuser": (
        "args = (ctypes.c_uint64 * 8)(0x10000000, 0, 0, 0, 17, 0, 0, 0)\n"
        "pid = libc.syscall(435, args, 64)\n"
        "print('clone3', pid, ctypes.get_errno(), flush=True)\n"
        "if pid == 0:\n    time.sleep(0.4); os._exit(0)\n"
    ),
}


@pytest.mark.layer("seccomp")
@pytest.mark.parametrize("case", sorted(NEW_NAMESPACES))
def test_new_user_namespaces_cannot_be_created(case: str) -> None:
    body = LIBC + NEW_NAMESPACES[case] + HOLD
    marker = new_marker()
    with Monitor(marker, deep=True) as mon:
        result, _ = confined(marker, body)
    started(result, marker)
    assert mon.seen
    user_ns = {s.namespaces["user"] for s in mon.samples if "user" in s.namespaces}
    assert len(user_ns) == 1, f"the run entered new user namespaces: {user_ns}"
    assert mon.field_values("CapEff") == {"0000000000000000"}
    seen: list[set[str]] = []
    for _ in range(3):  # the control always enters one; a loaded machine can make the
        control = new_marker()  # monitor miss a sample, so it gets three tries to see it
        with Monitor(control, deep=True) as mon:
            out = unconfined(program(control, body))
        seen.append({s.namespaces["user"] for s in mon.samples if "user" in s.namespaces})
        if len(seen[-1]) > 1:
            break
    assert len(seen[-1]) > 1, (seen, out.stdout[-500:], out.stderr[-500:])


ESCAPE_THEN_WRITE = (
    LIBC
    + "{attempt}\ntry:\n    open({target!r}, 'w').write('x'); print('WROTE')\nexcept OSError as e:\n    print('denied', e)\n"
)
ATTEMPTS = {
    "setns_into_pid1": (
        "for ns in ('mnt', 'net', 'user', 'pid'):\n"
        "    try:\n        fd = os.open(f'/proc/1/ns/{ns}', os.O_RDONLY)\n"
        "        print('setns', ns, libc.setns(fd, 0), ctypes.get_errno())\n"
        "    except OSError as e:\n        print('denied', ns, e)"
    ),
    "chroot_breakout": (
        "try:\n    os.mkdir('jail'); os.chroot('jail')\n"
        "    for _ in range(64):\n        os.chdir('..')\n"
        "    os.chroot('.')\nexcept OSError as e:\n    print('denied', e)"
    ),
}


@pytest.mark.layer("seccomp", "filesystem")
@pytest.mark.parametrize("case", sorted(ATTEMPTS))
def test_namespace_and_chroot_tricks_do_not_reach_host_files(case: str) -> None:
    target = f"/tmp/airlock-escape-{secrets.token_hex(8)}"
    body = ESCAPE_THEN_WRITE.format(attempt=ATTEMPTS[case], target=target)
    marker = new_marker()
    try:
        result, _ = confined(marker, body)
        started(result, marker)
        assert not os.path.exists(target), f"{case} reached the host file system"
        unconfined(program(marker, body))
        assert os.path.exists(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)


def _key_counts() -> dict[str, int]:
    out = {}
    with open("/proc/key-users") as f:
        for line in f:
            uid, rest = line.split(":", 1)
            out[uid.strip()] = int(rest.split()[1].split("/")[0])
    return out


@pytest.mark.layer("seccomp")
def test_kernel_keyring_is_out_of_reach() -> None:
    desc = "alkkey" + secrets.token_hex(6)
    body = (
        LIBC + "for ring in (-4, -3, -5):\n"
        f"    print('add_key', libc.syscall(248, b'user', b'{desc}', b'payload', 7, ctypes.c_long(ring)), ctypes.get_errno())\n"
    )
    before = _key_counts()
    marker = new_marker()
    result, _ = confined(marker, body)
    started(result, marker)
    grown = {u: n for u, n in _key_counts().items() if n > before.get(u, 0)}
    assert desc not in Path("/proc/keys").read_text()
    assert not grown, f"the run left keys in the kernel: {grown}"
    unconfined(program(marker, body))
    try:
        assert desc in Path("/proc/keys").read_text()
    finally:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.syscall.restype = ctypes.c_long
        for line in Path("/proc/keys").read_text().splitlines():
            if desc in line:
                libc.syscall(250, 21, int(line.split()[0], 16))  # KEYCTL_INVALIDATE
