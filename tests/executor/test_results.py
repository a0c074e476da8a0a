"""ExecutionResult fields: exit codes, signals, timeouts, truncation, files, limits echoed."""

from __future__ import annotations

import os
import signal

import pytest

from airlock.executor import ExecutionResult, Limits, run

pytestmark = pytest.mark.timeout(60)


def test_hello_world_runs_and_reports_every_layer() -> None:
    r = run("print('hello')")
    assert isinstance(r, ExecutionResult)
    assert (r.exit_code, r.stdout, r.stderr) == (0, "hello\n", "")
    assert r.ok and not r.timed_out and r.refused is None and not r.degraded
    assert {layer.name for layer in r.layers} >= {"rlimits", "tree_kill", "network", "seccomp"}
    assert r.wall_s > 0 and r.timing["total"] > 0


def test_exit_code_and_exception() -> None:
    assert run("import sys; sys.exit(7)").exit_code == 7
    r = run("raise ValueError('boom')")
    assert r.exit_code == 1 and "ValueError: boom" in r.stderr and not r.ok


def test_syntax_error_and_nul_bytes_are_results_not_exceptions() -> None:
    assert "SyntaxError" in run("def (:").stderr
    r = run("print(1)\0")
    assert r.exit_code == 1 and r.refused is None
    r = run("x = '\udc80'")  # a lone surrogate in the source: not valid UTF-8
    assert r.exit_code == 1 and "SyntaxError" in r.stderr


def test_signal_is_reported() -> None:
    r = run("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    assert r.exit_code is None and r.signal == signal.SIGSEGV


def test_wall_clock_timeout_kills() -> None:
    r = run("import time; print('start', flush=True); time.sleep(30)", limits=Limits(timeout_s=0.5))
    assert r.timed_out and r.signal == signal.SIGKILL and r.exit_code is None
    assert r.stdout == "start\n" and "timeout" in (r.killed_reason or "")
    assert r.wall_s < 5


def test_cpu_limit_kills_a_spin() -> None:
    r = run("while True: pass", limits=Limits(cpu_s=1, timeout_s=20))
    assert not r.timed_out and r.signal in (signal.SIGXCPU, signal.SIGKILL), r
    assert "CPU" in (r.killed_reason or "") and r.cpu_s >= 0.5, r


def test_stdout_is_capped_and_the_flood_drained() -> None:
    code = "import sys\nfor _ in range(200): sys.stdout.write('x' * 1_000_000)\nprint('done', file=sys.stderr)"
    r = run(code, limits=Limits(max_stdout_bytes=1000, timeout_s=30))
    assert r.exit_code == 0 and r.stdout == "x" * 1000 and r.stdout_truncated
    assert r.stderr == "done\n" and not r.stderr_truncated


def test_long_line_without_newline_on_stderr() -> None:
    r = run("import sys; sys.stderr.write('y' * 50_000_000)", limits=Limits(max_stderr_bytes=10))
    assert r.exit_code == 0 and r.stderr == "y" * 10 and r.stderr_truncated


def test_exactly_at_cap_is_not_truncated() -> None:
    r = run("print('abc', end='')", limits=Limits(max_stdout_bytes=3))
    assert r.stdout == "abc" and not r.stdout_truncated


def test_limits_are_echoed() -> None:
    limits = Limits(timeout_s=3, memory_mb=200, max_processes=5)
    assert run("pass", limits=limits).limits == limits


def test_output_files_come_back_bounded() -> None:
    code = (
        "import os\nopen('a.txt','w').write('A')\nos.mkdir('d')\nopen('d/b.bin','wb').write(b'\\0'*5)\n"
        "open('big','wb').write(b'z'*5000)\n"
        "for i in range(10): open(f'n{i}','w').write(str(i))"
    )
    r = run(code, limits=Limits(max_output_files=3, max_output_file_bytes=100))
    assert r.exit_code == 0
    assert [f.name for f in r.files] == ["a.txt", "big", "d/b.bin"]
    files = {f.name: f for f in r.files}
    assert files["a.txt"].content == b"A" and files["d/b.bin"].content == b"\0" * 5
    assert files["big"].content is None and files["big"].truncated and files["big"].size == 5000


def test_symlinks_and_fifos_are_not_followed_or_opened() -> None:
    code = "import os\nos.symlink('/etc/passwd', 'link')\nos.mkfifo('fifo')\nopen('real','w').write('r')"
    r = run(code, limits=Limits(timeout_s=10))
    assert r.exit_code == 0, r.stderr
    assert [f.name for f in r.files] == ["real"]


def test_input_files_are_readable_and_read_only_by_default() -> None:
    files = {"data.csv": "a,b\n1,2\n", "sub/raw.bin": b"\x00\x01"}
    code = (
        "print(open('data.csv').read().splitlines()[1], open('sub/raw.bin','rb').read())\n"
        "try:\n    open('data.csv','a').write('x')\nexcept PermissionError:\n    print('ro')"
    )
    r = run(code, files=files)
    assert r.exit_code == 0 and r.stdout == "1,2 b'\\x00\\x01'\nro\n"
    assert r.files == []  # unchanged inputs are not echoed back


def test_writable_inputs_come_back_when_changed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "in.txt"
    src.write_text("old")
    r = run("open('in.txt','a').write('+new')", files={"in.txt": src}, files_writable=True)
    assert r.exit_code == 0 and [(f.name, f.content) for f in r.files] == [("in.txt", b"old+new")]


def test_inputs_larger_than_the_disk_budget_are_not_run() -> None:
    r = run("print(1)", files={"big": b"x" * 2_000_000}, limits=Limits(max_disk_mb=1))
    assert r.exit_code is None and "max_disk_mb" in (r.killed_reason or "") and r.stdout == ""


@pytest.mark.parametrize("name", ["/etc/x", "../x", "a/../b", "", "main.py", "a//b", "x\0"])
def test_bad_input_names_are_rejected(name: str) -> None:
    with pytest.raises(ValueError):
        run("pass", files={name: b""})


def test_bad_environment_is_rejected() -> None:
    with pytest.raises(ValueError):
        run("pass", env={"A=B": "x"})
    with pytest.raises(ValueError):
        run(b"pass")  # type: ignore[arg-type]


def test_result_round_trips_through_json_with_binary_and_odd_names() -> None:
    code = "open(b'\\xff\\xfe.bin', 'wb').write(bytes(range(256)))\nprint('\\u00e9')"
    r = run(code)
    assert r.exit_code == 0, r.stderr
    assert [f.name for f in r.files] == ["\\xff\\xfe.bin"]
    back = ExecutionResult.model_validate_json(r.model_dump_json())
    assert back == r and back.files[0].content == bytes(range(256))


def test_caller_umask_and_ignored_signals_do_not_leak_into_the_run() -> None:
    old_mask = os.umask(0o077)
    old_term = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        r = run("import os, signal; print(signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)")
    finally:
        os.umask(old_mask)
        signal.signal(signal.SIGTERM, old_term)
    assert (r.exit_code, r.stdout) == (0, "True\n"), r.stderr
