"""Sessions: state kept between calls under the same confinement as a run; clear outcomes
when a call kills, floods, forks away, outlives its timeout or goes idle."""

from __future__ import annotations

import ast
import importlib.util
import time

import pytest
from executor_support import need_cgroup

from airlock.executor import Limits, Session, SessionClosed

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def session():
    with Session(limits=Limits(timeout_s=20, memory_mb=512)) as s:
        yield s


def test_state_and_the_final_expression_persist_between_calls(session: Session) -> None:
    assert session.run("x = 40\nimport math").exit_code == 0
    r = session.run("x + 2")
    assert (r.value, r.exit_code, r.stdout) == ("42", 0, "")
    r = session.run("print(math.sqrt(x + 41))\n_ * 2")
    assert (r.stdout, r.value) == ("9.0\n", "84")
    assert session.run("y = None\ny").value is None  # None is no value, as at a prompt


def test_a_call_can_bring_its_files_listing_in_its_reply(session: Session) -> None:
    r, listed = session.run_and_list("print('x')")
    assert (r.stdout, listed) == ("x\n", [])  # control: nothing written, nothing listed
    code = "import os\nos.mkdir('d')\nopen('d/b.txt', 'w').write('bb')\nopen('a', 'w').write('a')"
    r, listed = session.run_and_list(code)
    assert r.exit_code == 0 and listed == [("a", 1), ("d/b.txt", 2)]
    assert listed == session.files.list()


def test_a_failing_call_leaves_the_session_alive_and_points_at_its_own_line(
    session: Session,
) -> None:
    r = session.run("a = 1\nb = a / 0")
    assert r.exit_code == 1
    assert 'File "<cell 1>", line 2' in r.stderr
    assert "ZeroDivisionError" in r.stderr
    assert "session_kernel" not in r.stderr and "main.py" not in r.stderr
    assert session.alive and session.run("a").value == "1"


def test_sys_exit_is_the_calls_exit_code_and_not_the_sessions_end(session: Session) -> None:
    assert session.run("import sys; sys.exit(3)").exit_code == 3
    assert session.run("raise SystemExit('bye')").exit_code == 1
    assert session.alive and session.run("1").value == "1"


def test_output_that_imitates_an_end_mark_stays_output(session: Session) -> None:
    fake = "\\x1eairlock:" + "0" * 32 + '\\x1e{\\"exit\\": 0, \\"value\\": \\"7\\"}'
    r = session.run(f"print('{fake}')\nimport time; time.sleep(0.2)\n6 * 7")
    assert r.value == "42"
    assert '"value": "7"' in r.stdout


def test_a_calls_output_reaches_its_callbacks_capped_and_only_its_own(session: Session) -> None:
    out: list[bytes] = []
    err: list[bytes] = []
    code = "import sys\nprint('a' * 30, flush=True)\nsys.stderr.write('oops')\n1 + 1"
    limits = Limits(timeout_s=20, memory_mb=512, max_stdout_bytes=10)
    with Session(limits=limits) as s:
        r = s.run(code, on_stdout=out.append, on_stderr=err.append)
        assert r.value == "2" and r.stdout == "a" * 10 and r.stdout_truncated
        assert b"".join(out) == b"a" * 10 and b"".join(err) == b"oops"
        # the next call without callbacks: the earlier ones see none of its output
        assert s.run("print('b')").stdout == "b\n"
    assert b"".join(out) == b"a" * 10 and b"".join(err) == b"oops"
    # control: a call given no callbacks still keeps its output
    assert session.run("print('c')").stdout == "c\n"


def test_a_call_past_its_timeout_ends_the_session(session: Session) -> None:
    started = time.monotonic()
    r = session.run("import time; time.sleep(30)", timeout_s=1)
    assert time.monotonic() - started < 15
    assert (r.timed_out, r.killed_by) == (True, "timeout")
    assert "wall-clock timeout after 1s" in (r.killed_reason or "")
    assert not session.alive
    with pytest.raises(SessionClosed, match="wall-clock timeout"):
        session.run("1")


def test_a_call_that_exits_the_interpreter_ends_the_session_with_the_hosts_account() -> None:
    with Session() as s:
        r = s.run("import os; os._exit(7)")
        assert r.exit_code == 7 and not s.alive
        assert "exited with code 7" in (s.dead_reason or "")


def test_a_call_that_forks_away_leaves_a_clear_outcome() -> None:
    with Session() as s:
        r = s.run("import os, time\nif os.fork():\n    os._exit(0)\ntime.sleep(30)")
        assert r.exit_code == 0 and not s.alive  # the kernel left; its namespace went with it
        with pytest.raises(SessionClosed):
            s.run("1")


def test_a_fork_that_returns_from_the_call_does_not_answer_for_the_kernel(
    session: Session,
) -> None:
    r = session.run("import os\npid = os.fork()\n'parent' if pid else 'child'")
    assert r.value == "'parent'"
    assert session.run("2").value == "2" and session.alive


@need_cgroup("memory")
def test_filling_memory_ends_the_session_as_the_host_saw_it() -> None:
    with Session(limits=Limits(memory_mb=128, timeout_s=30)) as s:
        s.run("keep = 1")
        r = s.run("b = bytearray(400 * 1024 * 1024)\nb[::4096] = b'x' * len(b[::4096])")
        assert (r.killed_by, r.memory_exceeded) == ("memory", True)
        assert "memory limit of 128 MB" in (r.killed_reason or "")
        assert not s.alive


def test_closing_its_streams_does_not_hang_the_call(session: Session) -> None:
    r = session.run(
        "import os\nfor fd in range(1, 64):\n    try: os.close(fd)\n    except OSError: pass"
    )
    assert r.exit_code is None or not session.alive or r.exit_code == 0
    if session.alive:  # the kernel kept its own copies: it still answers
        assert session.run("1").value == "1"


def test_closed_sessions_refuse_calls() -> None:
    s = Session()
    s.close()
    with pytest.raises(SessionClosed, match="closed"):
        s.run("1")
    with pytest.raises(SessionClosed):
        s.files.list()


def test_an_idle_session_ends() -> None:
    s = Session(idle_timeout_s=0.5)
    try:
        assert s.run("1").value == "1"
        time.sleep(2)
        with pytest.raises(SessionClosed, match=r"idle for 0\.5s"):
            s.run("1")
    finally:
        s.close()


def test_a_call_longer_than_the_idle_timeout_is_not_cut_and_each_call_rearms_it() -> None:
    s = Session(idle_timeout_s=1.0)
    try:
        r = s.run("import time; time.sleep(2.5); print('done')", timeout_s=30)
        assert r.stdout == "done\n" and s.alive  # the idle deadline passed during the call
        for _ in range(3):
            time.sleep(0.3)
            assert s.run("1").value == "1"
        deadline = time.monotonic() + 30
        while s.alive and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "idle for 1s" in (s.dead_reason or "")
    finally:
        s.close()


def test_the_lifetime_ends_a_busy_session() -> None:
    with Session(lifetime_s=1.5) as s:
        r = s.run("import time; time.sleep(20)", timeout_s=30)
        assert not s.alive and "lifetime of 1.5s" in (s.dead_reason or "")
        assert r.signal == 9


def test_two_sessions_share_no_variables_files_or_processes() -> None:
    with Session() as a, Session() as b:
        a.run(
            "secret = 'a-only'\nimport subprocess, sys\n"
            "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])"
        )
        a.files.put("mine.txt", b"a's file")
        assert b.run("'secret' in dir()").value == "False"
        assert b.files.list() == []
        pids = "import os\nsorted(int(p) for p in os.listdir('/proc') if p.isdigit())"
        seen, mine = (ast.literal_eval(s.run(pids).value or "[]") for s in (b, a))
        assert len(mine) == len(seen) + 1  # each sees its own tree: a's has the sleeper too
        assert a.files.get("mine.txt") == b"a's file"


def test_files_put_get_and_list_within_bounds(session: Session) -> None:
    session.files.put("data/in.csv", b"a,b\n1,2\n")
    r = session.run("import csv\nlist(csv.reader(open('data/in.csv')))")
    assert r.value == "[['a', 'b'], ['1', '2']]"
    session.run("open('out.txt', 'w').write('done')\nimport os; os.symlink('/etc/passwd', 'link')")
    assert ("out.txt", 4) in session.files.list()
    assert session.files.get("out.txt") == b"done"
    with pytest.raises(OSError):
        session.files.get("link")  # never followed
    for bad in ("../x", "/etc/passwd", "a/../../b", ""):
        with pytest.raises(ValueError):
            session.files.put(bad, b"x")
    with pytest.raises(OSError, match="larger than"):
        session.run("open('big', 'wb').write(b'x' * 2_000_000)")
        session.files.get("big")


def test_the_programs_stdin_is_empty_not_the_request_channel(session: Session) -> None:
    r = session.run("import sys\nsys.stdin.read()")
    assert r.value == "''"


def test_per_call_output_caps(session: Session) -> None:
    s = Session(limits=Limits(max_stdout_bytes=1000))
    try:
        r = s.run("print('x' * 5000)\n1")
        assert r.stdout_truncated and len(r.stdout) == 1000 and r.value == "1"
        r = s.run("print('ok')")
        assert (r.stdout, r.stdout_truncated) == ("ok\n", False)
    finally:
        s.close()


def test_rich_outputs_a_dataframe_and_a_figure() -> None:
    missing = [m for m in ("pandas", "matplotlib") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"not installed here: {', '.join(missing)} (airlock[runtime])")
    with Session(limits=Limits(timeout_s=60, memory_mb=1024)) as s:
        r = s.run("import pandas as pd\ndf = pd.DataFrame({'a': [1, 2]})\ndf")
        assert [d.mime for d in r.display] == ["text/html", "text/plain"]
        assert b"<table" in r.display[0].data and r.value is not None
        r = s.run("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()")
        assert r.exit_code == 0, r.stderr
        assert [d.mime for d in r.display] == ["image/png"]
        assert r.display[0].data.startswith(b"\x89PNG\r\n\x1a\n")
        assert "non-interactive" not in r.stderr
        assert s.run("plt.get_fignums()").value == "[]"  # figures are shown once


def test_bad_arguments_raise_clearly(session: Session) -> None:
    with pytest.raises(ValueError, match="code must be str"):
        session.run(b"1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="surrogates"):
        session.run("'\ud800'")
    with pytest.raises(ValueError, match="timeout_s"):
        session.run("1", timeout_s=0)
    with pytest.raises(ValueError):
        Session(lifetime_s=0)


def test_sessions_that_cannot_start_leave_no_descriptor_behind() -> None:
    import os

    from airlock.executor import SandboxPolicy

    before = len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        with pytest.raises(ValueError):
            Session(files={"../escape": b"x"})
        off = frozenset({"seccomp"})
        refused = Session(policy=SandboxPolicy(required=off, disabled=off))
        r = refused.run("1")
        assert r.refused and "seccomp" in r.refused
        refused.close()
    assert len(os.listdir("/proc/self/fd")) <= before
