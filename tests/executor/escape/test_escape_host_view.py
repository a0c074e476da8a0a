"""Escape cases: what of the host the mount view alone shows (device nodes, /etc, host
identity) or lets a uid-0 program write, and what of the caller (its stdio) the sandbox's
own processes hold.

The view cases run with Landlock disabled, so they show the filesystem layer by itself.
Host-side evidence: the host's /dev and /etc as this process sees them (controls), and the
descriptors of every process in the run's cgroup, read from /proc while the run is going.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import textwrap
import time

import pytest
from escape_support import new_marker, program, small_limits, started, unconfined

from airlock.executor import ExecutionResult, SandboxPolicy, identity, run
from airlock.executor.mounts import DEV_LINKS, DEVICES, ETC_KEEP

pytestmark = [pytest.mark.timeout(60)]

SOUGHT = [
    "ptmx",
    "tty",
    "fuse",
    "net/tun",
    "kvm",
    "kmsg",
    "mem",
    "userfaultfd",
    "vhost-vsock",
    "loop0",
    "vda",
    "sda",
]
HOST_DEVICES = [f"/dev/{name}" for name in SOUGHT if os.path.exists(f"/dev/{name}")]


def _without_landlock(marker: str, body: str) -> ExecutionResult:
    policy = SandboxPolicy(disabled=frozenset({"landlock"}))
    return run(program(marker, body), limits=small_limits(), policy=policy, allow_degraded=True)


DEVICE_PROBE = (
    "import os\n"
    "print('DEV', sorted(os.listdir('/dev')))\n"
    "for p in {paths!r}:\n"
    "    try:\n        os.close(os.open(p, os.O_RDONLY | os.O_NONBLOCK)); print('OPENED', p)\n"
    "    except OSError as e:\n        print('refused', p, e.strerror)\n"
)


@pytest.mark.layer("filesystem")
def test_only_harmless_device_nodes_are_in_the_view() -> None:
    if not HOST_DEVICES:
        pytest.skip("this host has none of the device nodes the case looks for")
    marker = new_marker()
    body = DEVICE_PROBE.format(paths=HOST_DEVICES)
    result = _without_landlock(marker, body)
    started(result, marker)
    listed = eval(result.stdout.split("DEV ", 1)[1].splitlines()[0])
    assert set(listed) <= {*DEVICES, *DEV_LINKS, "shm"}, listed
    assert "OPENED" not in result.stdout, result.stdout
    control = unconfined(program(marker, body)).stdout
    assert set(eval(control.split("DEV ", 1)[1].splitlines()[0])) - {*DEVICES, *DEV_LINKS, "shm"}


IDENTITY = (
    "for p in ('/etc/machine-id', '/etc/hostname'):\n"
    "    try:\n        print('ID', p, repr(open(p).read()))\n"
    "    except OSError as e:\n        print('ID', p, 'refused', e.strerror)\n"
)


@pytest.mark.layer("filesystem")
def test_host_identity_files_are_blank() -> None:
    present = [p for p in ("/etc/machine-id", "/etc/hostname") if os.path.getsize(p) > 0]
    if not present:
        pytest.skip("this host has no machine-id or hostname file to hide")
    marker = new_marker()
    result = _without_landlock(marker, IDENTITY)
    started(result, marker)
    for path in present:
        with open(path) as f:
            content = f.read().strip()
        assert content not in result.stdout, f"{path} leaked: {result.stdout}"
        assert content in unconfined(program(marker, IDENTITY)).stdout  # control


ETC_PROBE = (
    "import os\n"
    "print('ETC', sorted(os.listdir('/etc')))\n"
    "try:\n    print(open({path!r}).read())\nexcept OSError as e:\n    print('denied', e)\n"
)


@pytest.mark.layer("filesystem")
def test_etc_holds_only_what_python_reads() -> None:
    """World-readable secrets in /etc (pip.conf index tokens, say) are out of the view even
    with Landlock off; so is everything else Python does not read there."""
    if not os.access("/etc", os.W_OK):
        pytest.skip("/etc is not writable by the test, nothing to plant")
    token = "ETCTOKEN" + secrets.token_hex(8)
    directory = f"/etc/airlock-escape-{secrets.token_hex(6)}"
    os.mkdir(directory, 0o755)
    path = os.path.join(directory, "pip.conf")
    try:
        with open(path, "w") as f:
            f.write(f"[global]\nindex-url = https://user:{token}@pypi.example.com/simple\n")
        os.chmod(path, 0o644)
        os.chmod(directory, 0o755)
        marker = new_marker()
        result = _without_landlock(marker, ETC_PROBE.format(path=path))
        started(result, marker)
        assert token not in result.stdout, "the run read a world-readable config file in /etc"
        listed = eval(result.stdout.split("ETC ", 1)[1].splitlines()[0])
        generated = {*identity.ETC, os.path.basename(identity.DIR)}  # generic, not the host's
        assert set(listed) <= {name.split("/")[0] for name in ETC_KEEP} | generated, listed
        assert token in unconfined(program(marker, ETC_PROBE.format(path=path))).stdout
    finally:
        shutil.rmtree(directory, ignore_errors=True)


WRITE_PROBE = (
    "import os\n"
    "for p in {paths!r}:\n"
    "    try:\n"  # opened for appending, never written: the control changes nothing
    "        os.close(os.open(p, os.O_WRONLY | os.O_APPEND)); print('WRITABLE', p)\n"
    "    except OSError as e:\n        print('refused', p, e.strerror)\n"
)
ROOT_OWNED = ["/etc/passwd", "/etc/hosts", os.path.realpath("/etc/os-release")]
ROOT_OWNED += ["/proc/sys/kernel/core_pattern", "/proc/sys/vm/drop_caches"]


@pytest.mark.layer("filesystem")
def test_a_program_left_uid_0_cannot_write_host_files_or_sysctls(require_root: None) -> None:
    """With the user layer off the program is uid 0 (no capabilities): file modes alone
    would let it rewrite /etc/passwd or kernel.core_pattern (a root shell on the host)."""
    paths = [p for p in ROOT_OWNED if os.path.isfile(p)]
    body = WRITE_PROBE.format(paths=paths)
    marker = new_marker()
    policy = SandboxPolicy(disabled=frozenset({"user", "landlock"}))
    result = run(program(marker, body), limits=small_limits(), policy=policy, allow_degraded=True)
    started(result, marker)
    assert result.stdout.count("refused") == len(paths), result.stdout
    assert "WRITABLE" not in result.stdout
    control = unconfined(program(marker, body)).stdout
    assert control.count("WRITABLE") == len(paths), control


CALLER = textwrap.dedent(
    """
    from airlock.executor import run
    r = run("import time; print('ran', flush=True); time.sleep(1.5)")
    print(r.stdout, end="", flush=True)
    """
)


def _pipe_inode(fd: int) -> str:
    return os.readlink(f"/proc/self/fd/{fd}")


@pytest.mark.layer("cgroup")
def test_the_sandbox_processes_hold_none_of_the_caller_stdio() -> None:
    """init lives as long as the run; were it to keep the caller's stdin (a terminal, say),
    anything reaching its descriptors could read or inject into it."""
    r, w = os.pipe()
    stdin_link = _pipe_inode(r)
    caller = subprocess.Popen(
        [sys.executable, "-c", CALLER], stdin=r, stdout=subprocess.PIPE, text=True
    )
    os.close(r)
    try:
        holders: set[int] = set()  # pids seen holding the caller's stdin
        sandbox: set[int] = set()  # pids seen in a slot cgroup
        caught: set[int] = set()  # both at once
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and caller.poll() is None:
            for pid in _tree(caller.pid):
                inside = _in_airlock_cgroup(pid)
                holds = stdin_link in _fd_targets(pid)
                if inside and holds and _in_airlock_cgroup(pid):
                    caught.add(pid)
                holders |= {pid} if holds else set()
                sandbox |= {pid} if inside else set()
            time.sleep(0.01)
        out, _ = caller.communicate(timeout=30)
    finally:
        os.close(w)
        if caller.poll() is None:
            caller.kill()
    assert out == "ran\n"
    assert len(sandbox) >= 3, f"the run's helper, init and program were not all seen: {sandbox}"
    assert caller.pid in holders, "control: the caller itself holds the pipe as stdin"
    assert not caught, f"sandbox processes held the caller's stdin: {caught}"


def _tree(root: int) -> set[int]:
    found, todo = {root}, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                kids = [int(k) for k in f.read().split()]
        except OSError:
            continue
        found.update(kids)
        todo += kids
    return found


def _fd_targets(pid: int) -> set[str]:
    targets = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                targets.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
    return targets


def _in_airlock_cgroup(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cgroup") as f:
            return "/airlock/slot-" in f.read()
    except OSError:
        return False
