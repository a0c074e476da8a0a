"""Nothing one run leaves in the kernel reaches the next run or the host: memory charge,
locks, file-change notifications, host identity, host paths. Each class has a control.
"""

from __future__ import annotations

import fcntl
import os
import socket
import struct
import sys
import threading

import pytest
from executor_support import need, need_cgroup

from airlock.executor import ExecutionResult, Limits, SandboxPolicy, cgroups, run

pytestmark = pytest.mark.timeout(90)

READ_SITE = """
import os, sys
n = 0
for top in [p for p in sys.path if 'site' in p]:
    for d, _, fs in os.walk(top):
        for f in fs:
            if f.endswith(('.so', '.py')):
                with open(os.path.join(d, f), 'rb') as h:
                    n += len(h.read())
print(n >> 20)
"""


def _drop_cached_site_files() -> None:
    """Evict the site-packages files from the page cache, so the next run's reads are
    charged to its own cgroup."""
    for top in [p for p in sys.path if p.endswith("site-packages")]:
        for d, _, names in os.walk(top):
            for name in names:
                if name.endswith((".so", ".py")):
                    fd = os.open(os.path.join(d, name), os.O_RDONLY)
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                    os.close(fd)


@need_cgroup("memory")
def test_a_runs_page_cache_is_not_the_next_runs_memory() -> None:
    _drop_cached_site_files()
    reader = run(READ_SITE, limits=Limits(memory_mb=1024, timeout_s=60))
    assert reader.exit_code == 0, reader.stderr
    left = cgroups.charged_mb(cgroups.for_slot(reader.slot))  # type: ignore[arg-type]
    for _ in range(6):  # parked slots are handed out oldest first: reach the reader's
        after = run("pass")
        if after.slot == reader.slot:
            break
    assert after.slot == reader.slot, "no later run reused the reader's slot"
    # control: the reading run did leave its page cache charged to the slot
    assert left >= 40, f"only {left:.0f} MB left charged: the control shows nothing"
    assert after.peak_memory_mb is not None and after.peak_memory_mb < min(40, left / 2)


SEES_HOST_LOCKS = """
import fcntl, os, struct
fd = os.open({path!r}, os.O_RDONLY)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print('flock free')
except BlockingIOError:
    print('flock held')
probe = struct.pack('hhqqi', fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
kind = struct.unpack('hhqqi', fcntl.fcntl(fd, fcntl.F_GETLK, probe))[0]
print('posix free' if kind == fcntl.F_UNLCK else 'posix held')
"""


@need("filesystem")
def test_locks_on_host_files_are_not_shared_with_the_run() -> None:
    """Whatever the run sees of /usr is its own inodes: the host's locks are not visible
    inside, and (the same inodes, the other way round) the run's locks block nobody."""
    path = os.path.realpath("/usr/bin/env")
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        fcntl.fcntl(fd, fcntl.F_SETLK, struct.pack("hhqqi", fcntl.F_RDLCK, os.SEEK_SET, 0, 0, 0))
        code = SEES_HOST_LOCKS.format(path=path)
        r = run(code)
        assert r.stdout == "flock free\nposix free\n", r.stderr
        # control: without the run's own view the same program meets the host's locks
        shared = run(
            code, policy=SandboxPolicy(disabled=frozenset({"filesystem"})), allow_degraded=True
        )
        assert shared.stdout == "flock held\nposix held\n", shared.stderr
    finally:
        os.close(fd)


WATCH = """
import ctypes, os, select, struct, time
libc = ctypes.CDLL(None, use_errno=True)
ino = libc.inotify_init1(os.O_NONBLOCK)
assert ino >= 0, ctypes.get_errno()
assert libc.inotify_add_watch(ino, {dir!r}.encode(), 0x20 | 0x01) >= 0, ctypes.get_errno()
print('watching', flush=True)
events, end = 0, time.monotonic() + 2.5
while time.monotonic() < end:
    if select.select([ino], [], [], 0.1)[0]:
        events += len(os.read(ino, 65536)) and 1
print('events', events)
"""


@need("filesystem")
def test_inotify_in_a_run_does_not_see_host_file_use() -> None:
    directory = os.path.dirname(os.path.realpath(sys.executable))
    target = os.path.realpath(sys.executable)

    def watched(policy: SandboxPolicy | None) -> ExecutionResult:
        done = threading.Event()

        def use_host_file() -> None:  # the host opens a file in the watched directory
            while not done.wait(0.05):
                with open(target, "rb") as f:
                    f.read(1)

        t = threading.Thread(target=use_host_file)
        t.start()
        try:
            return run(
                WATCH.format(dir=directory),
                policy=policy,
                allow_degraded=policy is not None,
                limits=Limits(timeout_s=20),
            )
        finally:
            done.set()
            t.join()

    r = watched(None)
    assert r.stdout == "watching\nevents 0\n", r.stderr
    # control: watching the host's own inodes, the run sees the host's opens
    shared = watched(SandboxPolicy(disabled=frozenset({"filesystem"})))
    assert shared.stdout.startswith("watching\nevents ") and shared.stdout != "watching\nevents 0\n"


IDENTITY = """
import socket
print(socket.gethostname())
print(open('/proc/sys/kernel/random/boot_id').read().strip())
print(open('/proc/cmdline').read().strip())
print(any(socket.gethostname() in line for line in open('/etc/hosts')))
"""


@need("filesystem", "tree_kill")
def test_the_run_sees_a_generic_host_identity() -> None:
    with open("/proc/sys/kernel/random/boot_id") as f:
        boot_id = f.read().strip()
    with open("/proc/cmdline") as f:
        cmdline = f.read().strip()
    first, second = run(IDENTITY), run(IDENTITY)
    name, seen_boot, seen_cmdline, listed = first.stdout.splitlines()
    assert name == "airlock" and listed == "True", first.stderr
    assert seen_boot != boot_id and seen_cmdline != cmdline
    assert second.stdout.splitlines()[1] != seen_boot  # no boot id two runs could compare
    # control: without the run's own /etc and /proc the host's identity shows through
    host = run(
        IDENTITY, policy=SandboxPolicy(disabled=frozenset({"filesystem"})), allow_degraded=True
    )
    assert host.stdout.splitlines()[1:3] == [boot_id, cmdline], host.stderr
    assert socket.gethostname() != "airlock"


def test_the_probe_refuses_the_filesystem_layer_without_overlayfs(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The run's own inodes need overlayfs: a kernel without it gets a clear reason at
    probe time, not a setup failure in every run."""
    from airlock.executor import probe, syscalls

    assert probe._try_namespaces()["mnt"] is None  # control: this kernel has it
    real = syscalls.mount

    def no_overlay(source, target, fstype, flags, data=""):  # type: ignore[no-untyped-def]
        if fstype == "overlay":
            raise OSError(19, "mount: No such device")
        return real(source, target, fstype, flags, data)

    monkeypatch.setattr(syscalls, "mount", no_overlay)
    assert "overlayfs unavailable" in (probe._try_namespaces()["mnt"] or "")


PATHS = "import os, sys\nprint(repr([os.getcwd(), os.environ['HOME'], __file__, *sys.path]))\n"


@need("filesystem")
def test_no_host_path_of_the_executor_is_shown_to_the_run() -> None:
    from airlock.executor import settings

    state = settings.current().state_dir.rstrip("/") + "/"
    venv = [p for p in sys.path if p.endswith("site-packages")]
    checkout = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    r = run(PATHS)
    seen = eval(r.stdout)
    assert not [p for p in seen if p.startswith(state) or p in venv or p.startswith(checkout)], seen
    # control: without the run's own view the slot and venv paths are what it sees
    shared = run(
        PATHS, policy=SandboxPolicy(disabled=frozenset({"filesystem"})), allow_degraded=True
    )
    assert any(p.startswith(state) for p in eval(shared.stdout)), shared.stdout
