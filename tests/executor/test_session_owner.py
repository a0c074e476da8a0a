"""A session cannot outlive the process that made it: killing the owner (SIGKILL, no
cleanup) ends the session's interpreter and everything in it."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.timeout(90)

OWNER = """
import sys, time
from airlock.executor import Session
s = Session(env={"AIRLOCK_TEST_MARK": sys.argv[1]})
r = s.run("import subprocess, sys\\np = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\\n1")
print("ready" if r.value == "1" else "failed: " + r.stderr[-300:], flush=True)
time.sleep(120)
"""


def _marked(mark: str) -> list[int]:
    """Host pids whose environment carries ``mark``."""
    found = []
    needle = f"AIRLOCK_TEST_MARK={mark}".encode()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    if needle in f.read():
                        found.append(int(entry))
            except OSError:
                continue
    return found


def test_killing_the_owner_ends_the_session() -> None:
    mark = secrets.token_hex(8)
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, mark], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert owner.stdout is not None
        line = owner.stdout.readline().decode()
        assert line == "ready\n", (
            line + owner.stderr.read().decode()[-2000:] if owner.stderr else ""
        )
        alive = _marked(mark)
        if not alive:
            pytest.skip("the session's processes are not visible from here (/proc environ)")
        assert len(alive) >= 2  # control: the kernel and the child it started are running
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
        deadline = time.monotonic() + 15
        while _marked(mark) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _marked(mark) == []
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait(10)
