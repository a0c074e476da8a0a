"""Standby helpers: forked ahead into a kept slot's cgroups, used once, never left behind."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from executor_support import need

from airlock.executor import SandboxPolicy, cgroups, run, slots, standby

pytestmark = [pytest.mark.timeout(60), need("cgroup")]


def _cgroups(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/cgroup") as f:
        rows = [line.strip().split(":", 2) for line in f]
    return {c: path for _, controllers, path in rows for c in controllers.split(",")}


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except OSError:
        return False


def _parked() -> list[tuple[slots.Slot, standby.Standby]]:
    """This process's parked slots, once their standbys are in their cgroups (said ``R``)."""
    run("pass")
    run("pass")  # a repeat caller keeps two slots
    parked = list(standby._parked)
    assert parked, "no slot was kept with a standby"
    for _, sb in parked:
        poller = select.poll()
        poller.register(sb.sock, select.POLLIN)
        assert poller.poll(5000), "a standby never got into its cgroups"
    return parked


@pytest.mark.skipif(
    os.geteuid() != 0, reason="a standby is not dumpable: only root reads its /proc/PID/ns"
)
def test_a_standby_waits_in_its_slot_cgroups_outside_any_namespace() -> None:
    with open("/proc/self/environ", "rb") as f:
        ours = set(f.read().split(b"\0")) - {b""}
    assert any(entry.startswith(b"PATH=") for entry in ours)  # control: environ is readable
    for slot, sb in _parked():
        cg, group = _cgroups(sb.pid), cgroups.for_slot(slot.number)
        held = [(c, v2) for c, v2 in (("memory", group.memory_v2), ("pids", group.pids_v2))]
        for controller, v2 in held:
            if getattr(group, controller) is not None:  # v2's line names no controller
                assert cg["" if v2 else controller].endswith(f"/airlock/slot-{slot.number}"), cg
        for ns in ("mnt", "net", "pid", "ipc", "uts"):
            assert os.readlink(f"/proc/{sb.pid}/ns/{ns}") == os.readlink(f"/proc/self/ns/{ns}")
        fds = {
            int(fd): os.readlink(f"/proc/{sb.pid}/fd/{fd}")
            for fd in os.listdir(f"/proc/{sb.pid}/fd")
        }
        beyond_stdio = [target for fd, target in fds.items() if fd > 2]
        assert len(beyond_stdio) == 1 and beyond_stdio[0].startswith("socket:"), fds
        with open(f"/proc/{sb.pid}/environ", "rb") as f:
            seen = set(f.read().split(b"\0")) - {b""}
        assert not seen & ours, "the standby shows the caller's environment"


def test_the_next_run_takes_the_oldest_standby_in_its_slot() -> None:
    slot, sb = _parked()[0]
    group = cgroups.for_slot(slot.number)
    line = ("0::" if group.pids_v2 else ":pids:") if group.pids else ":memory:"  # one it holds
    r = run(f"print([l for l in open('/proc/self/cgroup') if {line!r} in l][0].strip())")
    assert r.exit_code == 0 and "standby_wait" in r.timing, (r.stderr, r.timing)
    assert r.slot == slot.number and r.stdout.endswith(f"/airlock/slot-{slot.number}\n")
    assert not _alive(sb.pid)  # it was this run's helper, and is gone with it
    assert r.killed_reason is None


def test_a_parked_slot_is_held_against_other_callers() -> None:
    taken = {slot.number for slot, _ in _parked()}
    held = [slots.acquire(timeout_s=0) for _ in range(2)]
    try:
        assert not taken & {s.number for s in held}
    finally:
        for s in held:
            s.release()


def test_a_killed_standby_is_replaced_by_a_fresh_helper() -> None:
    parked = _parked()
    for _, sb in parked:
        os.kill(sb.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while any(_alive(sb.pid) for _, sb in parked) and time.monotonic() < deadline:
        time.sleep(0.01)
    for _ in parked:
        r = run("print('still runs')")
        assert r.stdout == "still runs\n" and "standby_wait" not in r.timing, r.timing
    assert "standby_wait" in run("pass").timing  # and new standbys were parked


def test_a_run_without_the_cgroup_layer_leaves_the_standbys_alone() -> None:
    parked = _parked()
    r = run("pass", policy=SandboxPolicy(disabled=frozenset({"cgroup"})))
    assert r.exit_code == 0 and r.slot not in {slot.number for slot, _ in parked}
    assert all(_alive(sb.pid) for _, sb in parked)


CALLER = textwrap.dedent(
    """
    import sys
    from airlock.executor import run, standby
    for _ in range(2):
        run("pass")
    print(*[sb.pid for _, sb in standby._parked], flush=True)
    sys.stdin.read()
    """
)


def test_standbys_die_with_their_caller() -> None:
    caller = subprocess.Popen(
        [sys.executable, "-c", CALLER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert caller.stdout is not None
        pids = [int(p) for p in caller.stdout.readline().split()]
        assert pids and all(_alive(p) for p in pids)  # control: alive while the caller is
    finally:
        caller.communicate(timeout=30)
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not any(_alive(p) for p in pids), "a standby outlived its caller"


def test_standbys_can_be_turned_off() -> None:
    script = "from airlock.executor import run, standby\nrun('pass')\nprint(len(standby._parked), 'standby_wait' in run('pass').timing)"
    env = {**os.environ, "AIRLOCK_STANDBY": "0"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert out.stdout == "0 False\n", out.stderr
    env["AIRLOCK_STANDBY"] = "2"
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert out.stdout == "1 True\n", out.stderr


def test_a_run_survives_the_end_of_the_thread_that_ran_before_it() -> None:
    """The parent-death signal follows the forking thread: a standby forked by a thread
    that then ends must not become (and kill) a later run's helper."""
    import threading

    go = threading.Event()
    first: list[object] = []

    def short_lived() -> None:
        first.append(run("pass"))
        go.wait(10)

    a = threading.Thread(target=short_lived)
    a.start()
    while not first:
        time.sleep(0.01)
    later: list[object] = []
    b = threading.Thread(
        target=lambda: later.append(run("import time\ntime.sleep(1.5)\nprint('ok')"))
    )
    b.start()
    time.sleep(0.5)
    go.set()  # the first thread ends while the second run is under way
    a.join(10)
    b.join(30)
    [result] = later
    assert result.exit_code == 0 and result.stdout == "ok\n", result  # type: ignore[attr-defined]
