"""The spawner process: same results as forking directly, survives crashes on either side."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
from executor_support import host_pids_with, need

from airlock.executor import Limits, run, zygote
from airlock.executor.runner import INTERPRETER, reclaim_slots

pytestmark = pytest.mark.timeout(90)

DAEMON = """
import os, signal, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        os.execv('/bin/sleep', ['{marker}', '30'])
    os._exit(0)
print('started', flush=True)
time.sleep({linger})
"""


@pytest.fixture
def via_zygote(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRLOCK_SPAWNER", "zygote")


@pytest.mark.usefixtures("via_zygote")
def test_results_match_the_direct_path() -> None:
    r = run("import os, sys; print(os.getuid() != 0); sys.exit(3)")
    assert (r.exit_code, r.stdout) == (3, "True\n") and r.cpu_s > 0 and "spawn" in r.timing
    r = run("import os; os.kill(os.getpid(), 11)")
    assert r.signal == signal.SIGSEGV and r.exit_code is None


@need("tree_kill")
@pytest.mark.usefixtures("via_zygote")
def test_timeout_and_daemons_are_killed() -> None:
    marker = f"airlock-zygote-{uuid.uuid4().hex}"
    r = run(DAEMON.format(marker=marker, linger=30), limits=Limits(timeout_s=1))
    assert r.timed_out and r.stdout == "started\n"
    assert host_pids_with(marker) == []
    r = run(DAEMON.format(marker=marker, linger=0.2))
    assert r.exit_code == 0 and host_pids_with(marker) == []


@pytest.mark.usefixtures("via_zygote")
def test_a_killed_spawner_is_replaced() -> None:
    run("pass")
    z = zygote.get(INTERPRETER)
    os.kill(z.pid, signal.SIGKILL)
    time.sleep(0.1)
    r = run("print('again')")
    assert r.stdout == "again\n", r.killed_reason
    assert zygote.get(INTERPRETER).pid != z.pid


@need("tree_kill")
def test_a_crashed_caller_leaves_nothing_behind() -> None:
    marker = f"airlock-orphan-{uuid.uuid4().hex}"
    script = textwrap.dedent(
        f"""
        from airlock.executor import run
        r = run({DAEMON.format(marker=marker, linger=30)!r}, limits=__import__('airlock.executor', fromlist=['Limits']).Limits(timeout_s=60))
        print(r.model_dump_json(exclude={{"layers", "limits"}}))
        """
    )
    env = {**os.environ, "AIRLOCK_SPAWNER": "zygote"}
    caller = subprocess.Popen(
        [sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )

    def daemons() -> list[int]:  # the caller (and its spawner before exec) show the marker too
        return [pid for pid in host_pids_with(marker) if _comm(pid) == "sleep"]

    try:
        deadline = time.monotonic() + 30
        while not daemons() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not daemons():
            caller.kill()
            pytest.fail(f"the sandboxed daemon never started: {caller.communicate()[0]!r}")
    finally:
        caller.kill()
        caller.communicate()
    deadline = time.monotonic() + 10
    while host_pids_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = {pid: _status(pid) for pid in host_pids_with(marker)}
    assert left == {}, left
    reclaim_slots()  # the crashed caller could not unmount its workdir


def _comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def _status(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/status") as f:
            return " ".join(line.strip() for line in f if line.split(":")[0] in ("State", "PPid"))
    except OSError:
        return "gone"


def test_auto_mode_forks_first_and_uses_the_spawner_later() -> None:
    script = textwrap.dedent(
        """
        from airlock.executor import run, zygote
        seen = []
        for _ in range(3):
            r = run("print(1)")
            seen.append((r.exit_code, zygote.running()))
        print(seen)
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "AIRLOCK_SPAWNER"}
    env["AIRLOCK_ZYGOTE_ABOVE_MB"] = "100000"  # size alone never decides here
    env["AIRLOCK_STANDBY"] = "0"  # with standbys, later runs need neither (test_standby.py)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "[(0, False), (0, True), (0, True)]", out.stderr


@need("cgroup")
def test_a_caller_that_exits_with_a_standby_request_unread_leaves_no_noise() -> None:
    """After a run the spawner's reply about the next standby is not waited for: a caller
    that exits right then leaves the spawner to find the socket reset, and go quietly."""
    code = "from airlock.executor import run\nfor _ in range(3):\n    assert run('pass').exit_code == 0\n"
    env = {**os.environ, "AIRLOCK_SPAWNER": "zygote"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    time.sleep(0.5)  # the spawner reads its socket and exits (its stderr is the caller's)
    assert proc.stderr == ""
