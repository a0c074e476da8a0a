"""Escape cases: kernel attack surface (io_uring, bpf, perf, userfaultfd), prctl and
personality games, cgroup escape, and what the result must say about crashes and stdin.

Host-side evidence: the descriptors, status fields, personality and cgroup of the running
program as /proc shows them to the host.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from escape_proc import Monitor
from escape_support import confined, new_marker, program, small_limits, started, unconfined

pytestmark = [pytest.mark.timeout(60)]

LIBC = "import ctypes, os, time\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.syscall.restype = ctypes.c_long\n"
HOLD = "time.sleep(0.4)\n"

# name -> (the fd's /proc link text, code that leaves such an fd open)
SURFACES = {
    "io_uring": ("io_uring", "p = ctypes.create_string_buffer(120)\nfd = libc.syscall(425, 8, p)"),
    "bpf_map": (
        "bpf-map",
        "attr = ctypes.create_string_buffer(bytes((2, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 1)), 72)\n"
        "fd = libc.syscall(321, 0, attr, 72)",
    ),
    "perf_event_open": (
        "perf_event",
        "attr = bytearray(128)\nattr[0] = 1\nattr[4] = 128\nattr[40] = 0x60\n"
        "buf = ctypes.create_string_buffer(bytes(attr), 128)\n"
        "fd = libc.syscall(298, buf, 0, -1, -1, 0)",
    ),
    "userfaultfd": ("userfaultfd", "fd = libc.syscall(323, 1 | 0o2000000)"),
}


@pytest.mark.layer("seccomp")
@pytest.mark.parametrize("case", sorted(SURFACES))
def test_kernel_attack_surface_descriptors_are_refused(case: str) -> None:
    link, code = SURFACES[case]
    body = LIBC + code + "\nprint('fd', fd, ctypes.get_errno(), flush=True)\n" + HOLD
    marker = new_marker()
    with Monitor(marker, deep=True) as mon:
        result, _ = confined(marker, body)
    started(result, marker)
    assert mon.seen
    opened = {t for s in mon.samples for t in s.fd_targets if link in t}
    assert not opened, f"the run obtained {opened}"
    control = new_marker()
    with Monitor(control, deep=True) as mon:
        proc = unconfined(program(control, body))
    if not any(link in t for s in mon.samples for t in s.fd_targets):
        pytest.skip(f"this kernel refuses {case} even unconfined ({proc.stdout.strip()})")


@pytest.mark.layer("seccomp")
def test_prctl_games_keep_no_new_privs_and_the_filter() -> None:
    body = (
        LIBC
        + (
            "for args in ((38, 0), (22, 0), (4, 1), (0x59616d61, -1), (36, 1), (8, 1)):\n"
            "    print('prctl', args, libc.prctl(*args, 0, 0, 0), ctypes.get_errno())\n"
        )
        + HOLD
    )
    marker = new_marker()
    with Monitor(marker) as mon:
        result, _ = confined(marker, body)
    started(result, marker)
    assert mon.seen
    assert mon.field_values("NoNewPrivs") == {"1"}
    assert mon.field_values("Seccomp") == {"2"}
    control = new_marker()
    with Monitor(control) as mon:
        unconfined(program(control, body))
    assert mon.field_values("NoNewPrivs") == {"0"}


@pytest.mark.layer("user")
def test_oom_score_cannot_be_lowered_to_shield_the_program(require_root: None) -> None:
    """The program is the OOM killer's first choice (1000); it must not opt out."""
    body = (
        "import time\n"
        "for value in (b'-1000',):\n"
        "    try:\n        open('/proc/self/oom_score_adj', 'wb').write(value)\n"
        "    except OSError as e:\n        print('denied', e)\n" + HOLD
    )
    marker = new_marker()
    with Monitor(marker, deep=True) as mon:
        result, _ = confined(marker, body)
    started(result, marker)
    assert mon.seen
    assert {s.oom_score_adj for s in mon.samples} == {"1000"}
    control = new_marker()
    with Monitor(control, deep=True) as mon:
        unconfined(program(control, body))
    if "-1000" not in {s.oom_score_adj for s in mon.samples}:
        pytest.skip("this kernel ignores oom_score_adj writes even from root (control)")


@pytest.mark.layer("seccomp")
def test_personality_flags_do_not_stick() -> None:
    body = LIBC + (
        "print('personality', libc.personality(0x0040000 | 0x0400000), ctypes.get_errno())\n"
        "time.sleep(0.4)\n"
    )
    marker = new_marker()
    with Monitor(marker, deep=True) as mon:
        result, _ = confined(marker, body)
    started(result, marker)
    assert mon.seen
    assert {s.personality for s in mon.samples} == {"00000000"}
    control = new_marker()
    with Monitor(control, deep=True) as mon:
        unconfined(program(control, body))
    assert "00440000" in {s.personality for s in mon.samples}


@pytest.mark.layer("cgroup:pids")
def test_cgroup_membership_cannot_be_escaped() -> None:
    body = (
        "import glob, os, time\n"
        "for procs in glob.glob('/sys/fs/cgroup/*/cgroup.procs') + ['/sys/fs/cgroup/cgroup.procs']:\n"
        "    try:\n        open(procs, 'w').write(str(os.getpid())); print('moved', procs)\n"
        "    except OSError as e:\n        print('denied', procs, e)\n"
        "time.sleep(0.4)\n"
    )
    host = {_pids_cgroup(Path("/proc/self/cgroup").read_text()), "/"}
    marker = new_marker()
    with Monitor(marker, deep=True) as mon:
        result, _ = confined(marker, body)
    started(result, marker)
    paths = {_pids_cgroup(s.cgroup) for s in mon.samples if s.cgroup}
    assert paths and not paths & host, f"the run shares or escaped to a host cgroup: {paths}"
    assert len(paths) == 1, f"the run changed cgroups: {paths}"
    control = new_marker()
    with Monitor(control, deep=True) as mon:
        unconfined(program(control, body))
    assert {_pids_cgroup(s.cgroup) for s in mon.samples} & host


def _pids_cgroup(text: str) -> str:
    """The cgroup holding pids: its v1 line, else the unified (``0::``) one."""
    unified = ""
    for line in text.splitlines():
        number, controllers, path = line.split(":", 2)
        if "pids" in controllers.split(","):
            return path
        if number == "0":
            unified = path
    return unified or (text.splitlines()[0].split(":", 2)[2] if text else "")


def test_segfault_is_reported_as_a_signal() -> None:
    body = "import ctypes\nctypes.string_at(0)\n"
    marker = new_marker()
    result, _ = confined(marker, body)
    started(result, marker)
    assert result.signal == signal.SIGSEGV, (result.exit_code, result.signal)
    assert not result.ok
    assert unconfined(program(marker, body)).returncode == -signal.SIGSEGV


def test_exit_code_is_passed_through() -> None:
    marker = new_marker()
    result, _ = confined(marker, "import sys\nsys.exit(7)\n")
    started(result, marker)
    assert (result.exit_code, result.signal, result.timed_out) == (7, None, False)


def test_stdin_is_empty_not_the_caller_stdin() -> None:
    body = "import sys\nprint('STDIN', len(sys.stdin.read()))\n"
    marker = new_marker()
    result, wall = confined(marker, body, limits=small_limits(timeout_s=3))
    started(result, marker)
    assert "STDIN 0" in result.stdout and wall < 3
    # Control: a child that inherits an open pipe as stdin blocks on it.
    with subprocess.Popen([sys.executable, "-c", body], stdin=subprocess.PIPE) as proc:
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=1)
        proc.kill()
