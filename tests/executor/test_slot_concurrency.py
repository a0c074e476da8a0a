"""Concurrent runs never share a slot, uid, cgroup or tmpfs; slots come back afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

from airlock.executor import Limits, run, slots

pytestmark = pytest.mark.timeout(120)

CODE = """
import os, time
open('mine', 'w').write(str(os.getpid()))
time.sleep(0.4)
print(os.getuid(), sorted(os.listdir('.')))
"""


def test_eight_runs_at_once_get_distinct_slots_and_uids() -> None:
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: run(CODE, limits=Limits(timeout_s=30)), range(8)))
    assert all(r.exit_code == 0 for r in results), [r.stderr or r.killed_reason for r in results]
    assert len({r.slot for r in results}) == 8
    uids = {r.stdout.split()[0] for r in results}
    assert uids == {str(r.run_uid) for r in results}
    if os.geteuid() == 0:  # an ordinary user's runs all keep its uid, each in its own user ns
        assert len(uids) == 8
    # each saw only its own workdir: the code file and its own output
    assert all(r.stdout.split(maxsplit=1)[1] == "['main.py', 'mine']\n" for r in results)


def test_separate_processes_do_not_share_a_slot() -> None:
    script = textwrap.dedent(
        """
        from airlock.executor import run
        r = run("import time; time.sleep(0.5)")
        print(r.slot, r.exit_code)
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=60)[0].split() for p in procs]
    assert [o[1] for o in outs] == ["0", "0", "0"]
    assert len({o[0] for o in outs}) == 3


def test_a_slot_is_exclusive_until_released() -> None:
    first = slots.acquire()
    try:
        second = slots.acquire()
        assert second.number != first.number
        second.release()
    finally:
        first.release()
