"""Escape cases: reading what the run was not given (files, environments, other processes).

Host-side evidence: a unique token planted by the test (in a 0600 file, this process's
environment, the executor process's environment, a victim process's argv/environ/memory,
the kernel log) that must not appear in anything the run hands back.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from escape_hosts import Victim, run_in_helper
from escape_support import (
    confined,
    leaked,
    new_marker,
    planted_secret,
    program,
    small_limits,
    started,
    unconfined,
)

from airlock.executor import ExecutionResult

pytestmark = [pytest.mark.timeout(60)]

READ_FILES = (
    "for p in {paths!r}:\n"
    "    try:\n"
    "        print(p, open(p, 'rb').read()[:4096])\n"
    "    except OSError as e:\n"
    "        print('denied', p, e)\n"
)


@pytest.mark.layer("filesystem")
def test_planted_host_secret_file_is_unreadable() -> None:
    with planted_secret() as (secret, token):
        marker = new_marker()
        body = READ_FILES.format(paths=[str(secret)])
        result, _ = confined(marker, body)
        started(result, marker)
        assert not leaked(token, result), f"the sandbox read {secret}"
        assert token in unconfined(program(marker, body)).stdout


@pytest.mark.layer("filesystem")
def test_host_home_directory_cannot_be_listed() -> None:
    with planted_secret() as (secret, _token):
        body = f"import os\ntry:\n    print(os.listdir({str(secret.parent)!r}))\nexcept OSError as e:\n    print('denied', e)\n"
        marker = new_marker()
        result, _ = confined(marker, body)
        started(result, marker)
        assert secret.name not in result.stdout, f"the sandbox listed {secret.parent}"
        assert secret.name in unconfined(program(marker, body)).stdout


@pytest.mark.layer("filesystem")
def test_etc_shadow_is_unreadable() -> None:
    try:
        first = Path("/etc/shadow").read_bytes().splitlines()[0].decode()
    except (OSError, IndexError):
        pytest.skip("/etc/shadow is missing or unreadable here, nothing to leak")
    marker = new_marker()
    body = "try:\n    print(open('/etc/shadow').read())\nexcept OSError as e:\n    print('denied', e)\n"
    result, _ = confined(marker, body)
    started(result, marker)
    assert first not in result.stdout
    assert first in unconfined(program(marker, body)).stdout


ENV_DUMP = (
    "import os\nprint(sorted(os.environ.items()))\n"
    "try:\n    print(open('/proc/self/environ', 'rb').read())\nexcept OSError as e:\n    print(e)\n"
)


@pytest.mark.layer("environment")
def test_host_environment_variable_does_not_reach_the_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = "ENVSECRET" + secrets.token_hex(10)
    monkeypatch.setenv("AIRLOCK_ESCAPE_SECRET", token)
    marker = new_marker()
    result, _ = confined(marker, ENV_DUMP)
    started(result, marker)
    assert not leaked(token, result), "a host environment variable reached the run"
    assert token in unconfined(program(marker, ENV_DUMP)).stdout


PARENT_ENVIRON = (
    "import os\nfound = []\n"
    "pids = {os.getppid(), HELPER_PID, 1} | {int(p) for p in os.listdir('/proc') if p.isdigit()}\n"
    "for pid in sorted(pids):\n"
    "    for part in ('environ', 'cmdline'):\n"
    "        try:\n            data = open(f'/proc/{pid}/{part}', 'rb').read()\n"
    "        except OSError:\n            continue\n"
    "        if b'AIRLOCK_HOST_TOKEN' in data:\n            found.append((pid, part, data))\n"
    "print(found)\n"
)


@pytest.mark.layer("pidns", "filesystem", "user")
def test_executor_and_parent_environ_are_unreadable() -> None:
    token = "HOSTTOKEN" + secrets.token_hex(10)
    marker = new_marker()
    result = ExecutionResult.model_validate(run_in_helper(marker, PARENT_ENVIRON, token, "run"))
    started(result, marker)
    assert not leaked(token, result), "the run read its executor's (parent's) environment"
    control = run_in_helper(marker, PARENT_ENVIRON, token, "plain")
    assert token in str(control["stdout"]), "control: the plain child did not find the token"


@pytest.mark.layer("pidns", "filesystem", "environment")
def test_a_run_reported_as_not_degraded_never_shows_the_executor_environ() -> None:
    """The user layer is optional (not in the default required set; unavailable when the
    caller is not root), so a run without it is reported as not degraded: it must still not
    read the executor's environment, e.g. through /proc/1/environ of its init, which is a
    fork of the executor process."""
    token = "HOSTTOKEN" + secrets.token_hex(10)
    marker = new_marker()
    raw = run_in_helper(marker, PARENT_ENVIRON, token, "run", disable=frozenset({"user"}))
    result = ExecutionResult.model_validate(raw)
    started(result, marker)
    if result.degraded:
        pytest.skip("the executor reports a run without the user layer as degraded")
    assert not leaked(token, result), "a non-degraded run read the executor's environment"


@pytest.mark.layer("pidns")
def test_proc_1_is_not_the_host_init() -> None:
    try:
        host_init = Path("/proc/1/cmdline").read_bytes().split(b"\0")[0].decode()
    except OSError:
        host_init = ""
    if not host_init:
        pytest.skip("the host's /proc/1/cmdline is unreadable here, nothing to compare")
    body = READ_FILES.format(paths=["/proc/1/cmdline", "/proc/1/environ", "/proc/1/status"])
    marker = new_marker()
    result, _ = confined(marker, body)
    started(result, marker)
    assert host_init not in result.stdout, "the run sees the host's pid 1"
    assert host_init in unconfined(program(marker, body)).stdout


@pytest.mark.layer("pidns")
def test_other_processes_cmdline_and_environ_are_invisible(victim: Victim) -> None:
    body = (
        "import os\n"
        "for pid in [p for p in os.listdir('/proc') if p.isdigit()]:\n"
        "    for part in ('cmdline', 'environ'):\n"
        "        try:\n            data = open(f'/proc/{pid}/{part}', 'rb').read()\n"
        "        except OSError:\n            continue\n"
        "        if b'victim' in data:\n            print(pid, part, data)\n"
    )
    marker = new_marker()
    result, _ = confined(marker, body)
    started(result, marker)
    for token in (victim.arg_token, victim.env_token):
        assert not leaked(token, result), "the run read another process's cmdline/environ"
    control = unconfined(program(marker, body)).stdout
    assert victim.arg_token in control and victim.env_token in control


@pytest.mark.layer("pidns")
def test_another_process_memory_is_unreadable(victim: Victim) -> None:
    body = (
        "import re\nhits = []\n"
        "try:\n"
        f"    maps = open('/proc/{victim.pid}/maps').read().splitlines()\n"
        f"    mem = open('/proc/{victim.pid}/mem', 'rb', buffering=0)\n"
        "    for line in maps:\n"
        "        lo, hi = (int(x, 16) for x in line.split()[0].split('-'))\n"
        "        if 'rw' not in line.split()[1] or hi - lo > 1 << 28:\n            continue\n"
        "        try:\n            mem.seek(lo); data = mem.read(hi - lo)\n"
        "        except OSError:\n            continue\n"
        "        hits += re.findall(rb'VICTIMSECRET-\\w+', data)\n"
        "except OSError as e:\n    print('denied', e)\n"
        "print(sorted(set(hits)))\n"
    )
    marker = new_marker()
    result, _ = confined(marker, body, limits=small_limits(timeout_s=10, cpu_s=10))
    started(result, marker)
    assert not leaked(victim.mem_token, result), "the run read another process's memory"
    assert victim.mem_token in unconfined(program(marker, body)).stdout


@pytest.mark.layer("filesystem")
def test_kernel_log_is_unreadable() -> None:
    token = "kmsgtoken" + secrets.token_hex(8)
    try:
        with open("/dev/kmsg", "w") as kmsg:
            kmsg.write(f"airlock escape suite: {token}\n")
    except OSError:
        pytest.skip("cannot write /dev/kmsg from the host, so a leak could not be shown")
    body = (
        "import os\nout = []\n"
        "try:\n    fd = os.open('/dev/kmsg', os.O_RDONLY | os.O_NONBLOCK)\n"
        "    while True:\n"
        "        try:\n            rec = os.read(fd, 8192)\n"
        "        except BlockingIOError:\n            break\n"
        "        except OSError:\n            continue\n"
        "        if b'airlock escape suite' in rec:\n            out.append(rec)\n"
        "except OSError as e:\n    print('denied', e)\n"
        "print(out)\n"
    )
    marker = new_marker()
    result, _ = confined(marker, body)
    started(result, marker)
    assert not leaked(token, result), "the run read the kernel log"
    assert token in unconfined(program(marker, body)).stdout
