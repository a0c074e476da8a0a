"""Escape cases: processes that multiply, linger, ignore signals or outlive their run.

Host-side evidence: /proc scans for the case's unique marker (in ``comm`` or ``cmdline``),
taken while the run is in progress (a sampling Monitor) and right after ``run`` returns.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from escape_proc import Monitor, kill_marked, marked_pids
from escape_support import (
    confined,
    new_marker,
    program,
    small_limits,
    started,
    unconfined,
    wait_until,
)

from airlock.executor import cgroup_layout

pytestmark = [pytest.mark.timeout(60)]

SLACK_S = 3.0  # host-side allowance on top of the run's own timeout


@pytest.mark.layer("cgroup:pids")
def test_fork_bomb_is_capped_and_reaped() -> None:
    marker = new_marker()
    body = (
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    )
    with Monitor(marker) as mon:
        result, wall = confined(marker, body, limits=small_limits(timeout_s=2, max_processes=16))
    started(result, marker)
    assert mon.seen
    assert mon.max_concurrent <= 16 + 1, f"{mon.max_concurrent} processes ran at once"
    assert marked_pids(marker) == [], "fork-bomb processes survived the run"
    assert wall < 2 + SLACK_S
    assert subprocess.run(["true"], check=False).returncode == 0  # the host can still fork

    # Control (scaled down: 3 children, never a real fork bomb): the counter sees them.
    control = new_marker()
    code = "import os, time\nfor _ in range(3):\n    if os.fork() == 0:\n        time.sleep(1); os._exit(0)\ntime.sleep(1)\n"
    with Monitor(control) as mon:
        unconfined(program(control, code))
    assert mon.max_concurrent >= 4


MEMORY_BOMB = "chunks = []\nwhile True:\n    chunks.append(b'x' * (8 << 20))\n"


@pytest.mark.layer("rlimits")
def test_memory_bomb_is_stopped_at_the_limit() -> None:
    marker = new_marker()
    with Monitor(marker) as mon:
        result, _ = confined(marker, MEMORY_BOMB, limits=small_limits(memory_mb=128))
    started(result, marker)
    assert mon.seen
    peak_mb = mon.max_status_int("VmRSS") / 1024
    assert peak_mb <= 128 + 32, f"the child reached {peak_mb:.0f} MB resident"
    assert result.exit_code != 0
    cgroup_on = any(lay.name == "cgroup" and lay.status == "active" for lay in result.layers)
    if cgroup_on and "memory" in cgroup_layout.layout().places:
        assert result.memory_exceeded and result.killed_by == "memory", result.killed_reason
    else:  # the data rlimit refused the allocation: the host saw no OOM, the program said so
        assert result.python_memory_error and result.killed_by is None, result.stderr[-300:]
    assert marked_pids(marker) == []

    # Control (scaled down to 64 MB): the RSS sampler does see an allocation.
    control = new_marker()
    with Monitor(control) as mon:
        unconfined(program(control, "import time\nb = b'x' * (64 << 20)\ntime.sleep(0.5)\n"))
    assert mon.max_status_int("VmRSS") / 1024 >= 60


@pytest.mark.layer("cgroup:memory")
def test_memory_split_across_forked_children_is_bounded_in_total() -> None:
    marker = new_marker()
    body = (
        "import os, time\n"
        "for _ in range(6):\n"
        "    if os.fork() == 0:\n"
        "        try:\n"
        "            b = b'x' * (60 << 20)\n"
        "        except MemoryError:\n"
        "            pass\n"
        "        time.sleep(1.5); os._exit(0)\n"
        "time.sleep(2)\n"
    )
    with Monitor(marker) as mon:
        result, _ = confined(marker, body, limits=small_limits(memory_mb=128, timeout_s=4))
    started(result, marker)
    assert mon.max_concurrent >= 2, "the children were never observed"
    assert mon.total_rss_peak_kb / 1024 <= 128 + 48, (
        f"the tree held {mon.total_rss_peak_kb / 1024:.0f} MB resident in total"
    )
    assert marked_pids(marker) == []

    # Control (2 × 40 MB): the per-tick total is measured.
    control = new_marker()
    code = "import os, time\nfor _ in range(2):\n    if os.fork() == 0:\n        b = b'x' * (40 << 20); time.sleep(0.8); os._exit(0)\ntime.sleep(1)\n"
    with Monitor(control) as mon:
        unconfined(program(control, code))
    assert mon.total_rss_peak_kb / 1024 >= 80


@pytest.mark.layer("tree_kill")
@pytest.mark.parametrize(
    ("case", "body"),
    [
        ("cpu_spin", "while True:\n    pass\n"),
        ("sleep_past_timeout", "import time\ntime.sleep(60)\n"),
        (
            "signals_and_alarm_ignored",
            "import signal, time\n"
            "for s in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU):\n"
            "    signal.signal(s, signal.SIG_IGN)\n"
            "signal.alarm(1)\n"
            "while True:\n    time.sleep(0.05)\n",
        ),
        ("self_sigstop", "import os, signal\nos.kill(os.getpid(), signal.SIGSTOP)\n"),
    ],
)
def test_runaway_program_is_killed_at_the_timeout(case: str, body: str) -> None:
    marker = new_marker()
    result, wall = confined(marker, body, limits=small_limits(timeout_s=1.0, cpu_s=1))
    started(result, marker)
    assert wall < 1.0 + SLACK_S, f"run took {wall:.1f}s"
    assert result.timed_out or result.signal is not None, result
    assert result.exit_code != 0
    assert marked_pids(marker) == []

    # Control: without the sandbox it is still running at 1 s, and ignores SIGTERM.
    control = new_marker()
    proc = subprocess.Popen([sys.executable, "-c", program(control, body)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout and proc.stdout.readline().startswith(b"READY")
        time.sleep(0.3)  # let it install its signal dispositions
        proc.terminate()
        time.sleep(0.5)
        if case in ("signals_and_alarm_ignored", "self_sigstop"):
            assert proc.poll() is None, "the control did not survive SIGTERM"
        else:
            assert proc.wait(timeout=5) == -signal.SIGTERM
    finally:
        proc.kill()
        proc.wait()


SIGTERM_CHILD = (
    "import subprocess, sys, time\n"
    "subprocess.Popen([sys.executable, '-c', 'import signal, time; "
    "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)', {marker!r}],\n"
    "                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "time.sleep({parent_sleep})\n"
)


@pytest.mark.layer("tree_kill")
def test_sigterm_ignoring_child_does_not_survive() -> None:
    marker = new_marker()
    body = SIGTERM_CHILD.format(marker=marker, parent_sleep=60)
    with Monitor(marker) as mon:
        result, wall = confined(marker, body, limits=small_limits(timeout_s=2))
    started(result, marker)
    assert mon.max_concurrent >= 2, "the child never started, so the case proves nothing"
    assert marked_pids(marker) == [], "a SIGTERM-ignoring child survived the run"
    assert wall < 2 + SLACK_S

    control = new_marker()
    try:
        unconfined(program(control, SIGTERM_CHILD.format(marker=control, parent_sleep=0)))
        assert wait_until(lambda: marked_pids(control)), "control child not found"
    finally:
        kill_marked(control)


DAEMON = (
    "import os, time\n"
    "if os.fork() == 0:\n"
    "    os.setsid()\n"
    "    if os.fork() == 0:\n"
    "        {detach}\n"
    "        time.sleep(30)\n"
    "    os._exit(0)\n"
    "print('parent done', flush=True)\n"
)
DETACH = "os.closerange(0, 3)"


@pytest.mark.layer("tree_kill")
@pytest.mark.parametrize("detach", [DETACH, "pass"], ids=["fds_closed", "holds_stdout_open"])
def test_double_fork_setsid_daemon_does_not_survive(detach: str) -> None:
    marker = new_marker()
    result, wall = confined(marker, DAEMON.format(detach=detach), limits=small_limits(timeout_s=3))
    started(result, marker)
    assert "parent done" in result.stdout
    assert marked_pids(marker) == [], "a double-forked daemon outlived its run"
    assert wall < 3 + SLACK_S, f"run took {wall:.1f}s"

    # Control: without the sandbox the daemon survives (and a pipe it holds blocks a reader).
    control = new_marker()
    try:
        if detach == DETACH:
            unconfined(program(control, DAEMON.format(detach=detach)))
        else:
            with pytest.raises(subprocess.TimeoutExpired):
                unconfined(program(control, DAEMON.format(detach=detach)), timeout=1)
        assert marked_pids(control), "the control daemon was not found"
    finally:
        kill_marked(control)


@pytest.mark.layer("cgroup:pids")
def test_zombie_flood_is_capped_and_reaped() -> None:
    marker = new_marker()
    body = (
        "import os, time\nn = 0\n"
        "while n < 5000:\n"
        "    try:\n        pid = os.fork()\n    except OSError:\n        break\n"
        "    if pid == 0:\n        os._exit(0)\n"
        "    n += 1\n"
        "print('forked', n, flush=True)\ntime.sleep(0.5)\n"
    )
    with Monitor(marker) as mon:
        result, _ = confined(marker, body, limits=small_limits(max_processes=16))
    started(result, marker)
    assert mon.seen
    assert mon.max_concurrent_all <= 16 + 1, f"{mon.max_concurrent_all} entries in the table"
    assert wait_until(lambda: not marked_pids(marker, zombies=True), 1.0), "zombies left behind"

    control = new_marker()
    code = "import os, time\nfor _ in range(20):\n    if os.fork() == 0:\n        os._exit(0)\ntime.sleep(0.5)\n"
    with Monitor(control) as mon:
        unconfined(program(control, code))
    assert mon.max_concurrent_all >= 21


@pytest.mark.layer("cgroup")
def test_thread_flood_is_capped() -> None:
    marker = new_marker()
    body = (
        "import threading, time\nn = 0\n"
        "while n < 5000:\n"
        "    try:\n        threading.Thread(target=time.sleep, args=(3,), daemon=True).start()\n"
        "    except RuntimeError:\n        break\n"
        "    n += 1\n"
        "print('threads', n, flush=True)\ntime.sleep(0.5)\n"
    )
    with Monitor(marker) as mon:
        result, _ = confined(marker, body, limits=small_limits(max_processes=16))
    started(result, marker)
    assert mon.seen
    assert mon.max_status_int("Threads") <= 16 + 1
    assert marked_pids(marker) == []

    control = new_marker()
    code = "import threading, time\nfor _ in range(40):\n    threading.Thread(target=time.sleep, args=(1,)).start()\ntime.sleep(0.5)\n"
    with Monitor(control) as mon:
        unconfined(program(control, code))
    assert mon.max_status_int("Threads") >= 40


@pytest.mark.layer("rlimits")
def test_fd_exhaustion_stops_at_the_limit() -> None:
    marker = new_marker()
    body = (
        "import os, time\nfds = []\n"
        "while len(fds) < 100000:\n"
        "    try:\n        fds.append(os.open('/dev/null', os.O_RDONLY))\n"
        "    except OSError:\n        break\n"
        "print('opened', len(fds), flush=True)\ntime.sleep(0.5)\n"
    )
    with Monitor(marker, deep=True) as mon:
        result, _ = confined(marker, body, limits=small_limits(max_open_files=64))
    started(result, marker)
    assert mon.seen
    assert max(len(s.fd_targets) for s in mon.samples) <= 64
    assert max(s.limits_open_files or 0 for s in mon.samples) <= 64

    control = new_marker()
    code = "import os, time\nfds = [os.open('/dev/null', os.O_RDONLY) for _ in range(200)]\ntime.sleep(0.5)\n"
    with Monitor(control, deep=True) as mon:
        unconfined(program(control, code))
    assert max(len(s.fd_targets) for s in mon.samples) >= 200


SLEEPERS = (
    "import os, time\n"
    "for _ in range(14):\n"
    "    if os.fork() == 0:\n        time.sleep(60)\n        os._exit(0)\n"
    "time.sleep(60)\n"
)


@pytest.mark.layer("tree_kill")
def test_tree_is_dead_when_a_timed_out_run_returns_without_the_cgroup_layer() -> None:
    """The cgroup layer is optional, so a run without it is not degraded: its whole tree must
    still be gone (not merely signalled) when ``run`` returns after a timeout. The window is
    short, hence several attempts."""
    from airlock.executor import DEFAULT_REQUIRED, SandboxPolicy, run

    policy = SandboxPolicy(required=DEFAULT_REQUIRED, disabled=frozenset({"cgroup"}))
    survivors: list[int] = []
    timeout = 0.3
    for _ in range(12):  # six runs that started; a loaded machine may need a longer timeout
        marker = new_marker()
        try:
            result = run(
                program(marker, SLEEPERS),
                limits=small_limits(timeout_s=timeout, max_processes=32),
                policy=policy,
            )
            if f"READY {marker}" not in result.stdout and result.timed_out:
                timeout = min(timeout * 2, 5.0)  # it timed out before it started: no test
                continue
            started(result, marker)
            assert result.timed_out and not result.degraded
            survivors.append(len(marked_pids(marker, zombies=True)))
        finally:
            kill_marked(marker)
        if len(survivors) == 6:
            break
    assert len(survivors) >= 3, f"too few runs started to test anything: {survivors}"
    assert not any(survivors), f"processes still present after run returned: {survivors}"
