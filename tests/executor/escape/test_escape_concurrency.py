"""Escape case: two runs at the same time must not see, signal or share anything.

Host-side evidence: the first run's token must not appear in the second run's output, the
first run must finish untouched, and the two must have had different uids.
"""

from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path

import pytest
from escape_support import confined, new_marker, program, small_limits, started, unconfined

from airlock.executor import ExecutionResult

pytestmark = [pytest.mark.timeout(60)]

FIRST = (
    "import os, time\n"
    "open('/tmp/shared-{token}.txt', 'w').write('{token}')\n"
    "open('mine-{token}.txt', 'w').write('{token}')\n"
    "time.sleep(1.5)\n"
    "print('FIRST SURVIVED', flush=True)\n"
)
SECOND = (
    "import glob, os, signal\n"
    "found = []\n"
    "for pattern in ('/tmp/shared-*.txt', '/tmp/*/shared-*.txt', '/run/airlock/*/fs/*/*.txt',\n"
    "                '/proc/*/cwd/mine-*.txt', '/proc/*/root/tmp/shared-*.txt'):\n"
    "    for path in glob.glob(pattern):\n"
    "        try:\n            found.append(open(path).read())\n"
    "        except OSError:\n            pass\n"
    "for p in [int(p) for p in os.listdir('/proc') if p.isdigit()]:\n"
    "    if p != os.getpid():\n"
    "        try:\n            os.kill(p, signal.SIGKILL)\n"
    "        except OSError:\n            pass\n"
    "print('FOUND', found)\n"
)


@pytest.mark.layer("user", "filesystem", "pidns")
def test_concurrent_runs_are_isolated_from_each_other() -> None:
    token = "CONCURRENT" + secrets.token_hex(8)
    first_marker, second_marker = new_marker(), new_marker()
    first: list[ExecutionResult] = []
    thread = threading.Thread(
        target=lambda: first.append(
            confined(first_marker, FIRST.format(token=token), limits=small_limits(timeout_s=5))[0]
        )
    )
    thread.start()
    time.sleep(0.5)
    second, _ = confined(second_marker, SECOND)
    thread.join(timeout=30)
    started(second, second_marker)
    assert first, "the first run never returned"
    started(first[0], first_marker)
    assert "FIRST SURVIVED" in first[0].stdout, "the second run killed the first"
    assert token not in second.stdout, "the second run read the first run's files"
    assert first[0].run_uid != second.run_uid
    # Control: two unconfined programs sharing /tmp do see each other's files.
    try:
        proc = threading.Thread(
            target=unconfined, args=(program(first_marker, FIRST.format(token=token)),)
        )
        proc.start()
        time.sleep(0.5)
        harmless = SECOND.replace("os.kill(p, signal.SIGKILL)", "pass")
        control = unconfined(program(second_marker, harmless))
        proc.join()
        assert token in control.stdout
    finally:
        Path(f"/tmp/shared-{token}.txt").unlink(missing_ok=True)
