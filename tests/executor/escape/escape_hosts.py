"""Host processes the escape suite aims at: a victim holding tokens, and a helper process
that calls the executor with a token in its own (initial) environment.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from escape_support import disabled_layers, program, run_options, small_limits


@dataclass
class Victim:
    """A host process the adversarial programs try to reach."""

    pid: int
    arg_token: str
    env_token: str
    mem_token: str
    cwd: str
    proc: subprocess.Popen[str]

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None


VICTIM_CODE = """\
import sys, time
line = sys.stdin.readline().strip()
keep = "VICTIMSECRET-" + line
print("victim ready", flush=True)
time.sleep(120)
"""


@contextlib.contextmanager
def spawn_victim() -> Iterator[Victim]:
    """A sleeping process with tokens in argv, environ and memory; its cwd is a temp dir."""
    arg_token = "victimarg" + secrets.token_hex(8)
    env_token = "victimenv" + secrets.token_hex(8)
    mem_token = "victimmem" + secrets.token_hex(8)
    cwd = tempfile.mkdtemp(prefix="airlock-victim-")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AIRLOCK_VICTIM_ENV": env_token}
    proc = subprocess.Popen(
        [sys.executable, "-c", VICTIM_CODE, arg_token],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write(mem_token + "\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == "victim ready"
    try:
        yield Victim(proc.pid, arg_token, env_token, mem_token, cwd, proc)
    finally:
        proc.kill()
        proc.wait(timeout=10)
        shutil.rmtree(cwd, ignore_errors=True)


# ---------------------------------------------------------------- the executor in a helper process

# The executor runs inside a helper process whose *initial* environment (what
# /proc/<pid>/environ shows) carries the token; the program hunts for it there.
HELPER = """\
import json, os, subprocess, sys
code = sys.stdin.read().replace("HELPER_PID", str(os.getpid()))
if sys.argv[1] == "plain":
    proc = subprocess.run([sys.executable, "-c", code], env={}, capture_output=True, text=True)
    print(json.dumps({"stdout": proc.stdout, "stderr": proc.stderr}))
else:
    from airlock.executor import DEFAULT_REQUIRED, Limits, SandboxPolicy, run
    limits = Limits.model_validate_json(sys.argv[2])
    off = frozenset(json.loads(sys.argv[4]))
    policy = SandboxPolicy(required=DEFAULT_REQUIRED - off, disabled=off)
    result = run(code, limits=limits, policy=policy, allow_degraded=sys.argv[3] == "1")
    print(result.model_dump_json())
"""


def run_in_helper(
    marker: str, body: str, token: str, mode: str, disable: frozenset[str] = frozenset()
) -> dict[str, object]:
    """Run the case from a helper process started with the token in its environment.

    ``disable`` switches off further layers for this run (on top of the suite's own).
    """
    degraded = bool(run_options()["allow_degraded"])
    off = json.dumps(sorted(disabled_layers() | disable))
    limits = small_limits().model_dump_json()
    proc = subprocess.run(
        [sys.executable, "-c", HELPER, mode, limits, str(int(degraded)), off],
        input=program(marker, body),
        env={**os.environ, "AIRLOCK_HOST_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=45,
        check=False,
    )
    assert proc.returncode == 0, f"the helper process died: {proc.returncode} {proc.stderr[-2000:]}"
    return json.loads(proc.stdout)
