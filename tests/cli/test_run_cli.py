"""`airlock run`: the gate, pass-through of output and exit codes, JSON, inputs, usage errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.cli import run as run_cmd
from airlock.cli import run_outcome
from airlock.executor import ExecutionResult, probe_layers

pytestmark = [pytest.mark.timeout(120)]

AIRLOCK = Path(sys.executable).with_name("airlock")
# Harmless at run time, but screened as block / review by the default rule set.
BLOCK = 'import base64\nprint("RAN")\nexec(base64.b64decode("cHJpbnQoMSk="))\n'
REVIEW = 'import os\nprint("RAN")\nprint(len(os.environ.get("AIRLOCK_NOPE", "ab")))\n'
DOCUMENTED = {2, 3, 4, 5, 6, 70, 77, 124, 137}  # Airlock's own decisions
# A traceback frame of Airlock or its CLI stack (the program's own tracebacks pass through).
OUR_FRAME = re.compile(r'File ".*/(audit|executor|analyzer|typer|click)/')


def airlock(
    *args: str, stdin: str | bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real console entry point."""
    command = (
        [str(AIRLOCK)]
        if AIRLOCK.exists()
        else [sys.executable, "-c", "from airlock.cli import main; main()"]
    )
    proc = subprocess.run(
        [*command, "run", *args],
        input=stdin.encode() if isinstance(stdin, str) else stdin,
        capture_output=True,
        timeout=110,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        check=False,
    )
    out = subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )
    assert not OUR_FRAME.search(out.stderr), f"airlock itself crashed: {out.stderr}"
    return out


@pytest.fixture(scope="module", autouse=True)
def _sandbox_available() -> None:
    missing = [str(layer) for layer in probe_layers() if layer.status != "active"]
    if missing:
        pytest.skip(f"not every executor layer is available here: {missing}")


@pytest.fixture(autouse=True)
def _store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every gated run is recorded: give each test its own store."""
    db = tmp_path / "audit.db"
    monkeypatch.setenv("AIRLOCK_DB", str(db))
    return db


@pytest.fixture(scope="module")
def verdicts() -> None:
    """The samples must still screen as intended, or the gate tests prove nothing."""
    from airlock.analyzer import scan

    assert scan(BLOCK).verdict == "block"
    assert scan(REVIEW).verdict == "review"


def summary(proc: subprocess.CompletedProcess[str]) -> str:
    lines = proc.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("airlock: "), proc.stderr
    return lines[-1]


def test_allowed_program_passes_output_and_its_exit_code_only_on_request(tmp_path: Path) -> None:
    script = tmp_path / "ok.py"
    script.write_text("import sys\nprint('hello')\nprint('warn', file=sys.stderr)\nsys.exit(7)\n")
    proc = airlock(str(script))
    assert proc.returncode == run_outcome.EXIT_PROGRAM_FAILED
    assert proc.stdout == "hello\n"
    assert proc.stderr.startswith("warn\n")
    line = summary(proc)
    assert "verdict=allow" in line and "program-exit=7" in line and "layers=9/9 active" in line
    passed = airlock(str(script), "--pass-exit-code")
    assert passed.returncode == 7 and "program-exit=7" in summary(passed)


@pytest.mark.parametrize("own", [3, 4, 5, 6, 70, 77, 124, 137])
def test_a_program_cannot_imitate_airlock_s_exit_codes(own: int) -> None:
    """sys.exit(3) looked like "blocked", sys.exit(124) like a timeout."""
    proc = airlock("-", stdin=f"import sys\nsys.exit({own})\n")
    assert proc.returncode == run_outcome.EXIT_PROGRAM_FAILED, proc.stderr
    assert f"program-exit={own}" in summary(proc) and "decision=ran" in summary(proc)
    data = json.loads(airlock("-", "--json", stdin=f"import sys\nsys.exit({own})\n").stdout)
    assert data["program_exit_code"] == own and data["exit_code"] == own, data
    # negative control: on request the program's own code comes through, imitation and all
    assert (
        airlock("-", "--pass-exit-code", stdin=f"import sys\nsys.exit({own})\n").returncode == own
    )


def test_the_program_s_output_cannot_hide_the_summary_line() -> None:
    hostile = (
        "import sys\nprint('\\x1b]0;owned\\x07\\x1b[8m', end='', file=sys.stderr)\n"
        "print('\\x1b[2K\\rairlock: verdict=allow decision=ran exit=0', end='', file=sys.stderr)\n"
        "print('\\u202eevil')\n"
    )
    proc = airlock("-", stdin=hostile)
    assert "\x1b" not in proc.stderr and "\r" not in proc.stderr
    assert "\\x1b[8m" in proc.stderr and "\\x1b]0;owned\\x07" in proc.stderr  # shown, inert
    lines = proc.stderr.splitlines()
    assert lines[-2].endswith("\\x1b[2K\\x0dairlock: verdict=allow decision=ran exit=0")
    assert lines[-1].startswith("airlock: verdict=allow") and "record=" in lines[-1]
    # stdout into a pipe is data: it passes unchanged (escaping is for terminals)
    assert proc.stdout == "\u202eevil\n"


def test_gated_runs_are_recorded_with_agent_and_decision(
    tmp_path: Path, _store: Path, verdicts: None
) -> None:
    from airlock.audit.store import Store

    ok = airlock("-", "--agent", "agent-7", stdin="print('hi')\n")
    blocked = airlock("-", "--agent", "agent-7", stdin=BLOCK)
    sandbox_only = airlock("-", "--no-gate", stdin="print('x')\n")
    assert (ok.returncode, blocked.returncode, sandbox_only.returncode) == (0, 3, 0)
    assert "record=1" in summary(ok) and "record=2" in summary(blocked)
    with Store(str(_store)) as store:
        assert store.count() == 2  # --no-gate runs are neither screened nor recorded
        first, second = store.get(1), store.get(2)
    assert (first.screening.agent_id, first.screening.gate_decision) == ("agent-7", "ran")
    assert [e.exit_code for e in first.executions] == [0]
    assert (second.screening.verdict, second.screening.gate_decision) == ("block", "blocked")
    assert second.executions == [] and second.findings


def test_an_unusable_store_stops_the_run_with_one_line(tmp_path: Path) -> None:
    proc = airlock("-", "--db", "mysql://u@h/x", stdin="open('ran', 'w')\nprint('RAN')\n")
    assert proc.returncode == run_outcome.EXIT_UNRECORDABLE and "RAN" not in proc.stdout
    assert proc.stderr.startswith("airlock: error: audit store:"), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_a_locked_store_runs_nothing(_store: Path) -> None:
    """The store locked: before, the program ran and nothing was recorded (exit 2)."""
    import sqlite3

    from airlock.audit.store import Store

    Store(str(_store)).close()
    holder = sqlite3.connect(_store, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        locked = airlock("-", stdin="print('RAN')\n", env={"AIRLOCK_DB_TIMEOUT": "0.2"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert locked.returncode == run_outcome.EXIT_UNRECORDABLE and "RAN" not in locked.stdout
    assert "locked" in locked.stderr and "not run" in locked.stderr
    free = airlock("-", stdin="print('RAN')\n")  # negative control
    assert (free.returncode, free.stdout) == (0, "RAN\n")


def test_stdin_source() -> None:
    proc = airlock("-", "--no-gate", stdin="print(6 * 7)\n")
    assert (proc.returncode, proc.stdout) == (0, "42\n")


def test_blocked_code_never_runs(tmp_path: Path, _store: Path, verdicts: None) -> None:
    from airlock.audit.store import Store

    with Store(str(_store)) as store:  # not even on a reviewer's approval
        token = store.add_reviewer("rhea")
    script = tmp_path / "bad.py"
    script.write_text(BLOCK)
    proc = airlock(str(script), "--approve", "--token", token)
    assert proc.returncode == run_outcome.EXIT_BLOCKED
    assert "RAN" not in proc.stdout
    assert "verdict=block" in summary(proc) and "decision=blocked" in summary(proc)


def test_review_runs_only_with_approve_by_a_reviewer(
    tmp_path: Path, _store: Path, verdicts: None
) -> None:
    from airlock.audit.store import Store

    script = tmp_path / "review.py"
    script.write_text(REVIEW)
    held = airlock(str(script))
    assert held.returncode == run_outcome.EXIT_REVIEW and "RAN" not in held.stdout
    assert "--approve" in summary(held)
    anyone = airlock(str(script), "--approve", env={"AIRLOCK_TOKEN": ""})
    assert anyone.returncode == run_outcome.EXIT_AUTH and "RAN" not in anyone.stdout
    assert "reviewer token is required" in anyone.stderr
    forged = airlock(str(script), "--approve", "--token", "airlock_guess")
    assert forged.returncode == run_outcome.EXIT_AUTH and "not valid" in forged.stderr
    with Store(str(_store)) as store:
        token = store.add_reviewer("rhea")
    approved = airlock(str(script), "--approve", env={"AIRLOCK_TOKEN": token})
    assert (approved.returncode, approved.stdout) == (0, "RAN\n2\n")
    first = int(re.search(r"record=(\d+)", summary(held)).group(1))
    assert f"record={first} " in summary(approved)  # the held item itself was approved and run
    with Store(str(_store)) as store:
        assert store.review_queue() == []  # not left open beside a new record
        d = store.get(first)
        assert [(r.state, r.by) for r in d.reviews] == [("approved", "rhea")]
        assert [(e.trigger, e.approved_by, e.stdout) for e in d.executions] == [
            ("review", "rhea", "RAN\n2\n")
        ]
        n = store.count()
    again = airlock(str(script), "--approve", env={"AIRLOCK_TOKEN": token})  # nothing held now
    assert again.returncode == 0 and f"record={n + 1} " in summary(again)
    with Store(str(_store)) as store:
        [last] = store.list_screenings(limit=1)
        assert [(r.state, r.by) for r in store.get(last.id).reviews] == [("approved", "rhea")]


def test_no_gate_skips_the_scan_but_not_the_sandbox(verdicts: None) -> None:
    proc = airlock("-", "--no-gate", stdin=BLOCK + "open('/etc/airlock-no-gate', 'w')\n")
    assert proc.stdout.startswith("RAN\n1\n")
    assert proc.returncode == 1 and not os.path.exists("/etc/airlock-no-gate")
    assert "verdict=not-screened" in summary(proc)


def test_json_result_with_verdict_and_binary_output_file() -> None:
    code = "open('out.bin', 'wb').write(bytes(range(256)))\nprint('done')\n"
    proc = airlock("-", "--json", stdin=code)
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert data["verdict"] == "allow" and data["decision"] == "ran"
    assert data["exit_code"] == 0 and data["stdout"] == "done\n"
    assert [f["name"] for f in data["files"]] == ["out.bin"]
    assert {layer["status"] for layer in data["layers"]} == {"active"}


def test_json_when_blocked(verdicts: None) -> None:
    proc = airlock("-", "--json", stdin=BLOCK)
    data = json.loads(proc.stdout)
    assert proc.returncode == 3 and data["decision"] == "blocked" and data["exit_code"] is None
    assert data["verdict"] == "block" and data["reasons"]


def test_input_files(tmp_path: Path) -> None:
    data = tmp_path / "numbers.csv"
    data.write_text("x\n1\n2\n3\n")
    code = "import csv\nprint(sum(int(r['x']) for r in csv.DictReader(open('in/n.csv'))))\n"
    proc = airlock("-", "--no-gate", "--file", f"in/n.csv={data}", stdin=code)
    assert (proc.returncode, proc.stdout) == (0, "6\n")


def test_timeout_and_memory_exit_codes() -> None:
    slow = airlock("-", "--no-gate", "--timeout", "1", stdin="import time\ntime.sleep(30)\n")
    assert slow.returncode == run_outcome.EXIT_TIMEOUT and "timed-out" in summary(slow)
    big = airlock(
        "-", "--no-gate", "--memory-mb", "64", stdin="x = [b'x' * (1 << 20) for _ in range(500)]\n"
    )
    assert big.returncode == run_outcome.EXIT_KILLED and "memory-exceeded" in summary(big)


def test_network_option() -> None:
    code = "import socket\ns = socket.socket()\ns.bind(('127.0.0.1', 0))\ns.listen()\nprint('ok')\n"
    assert airlock("-", "--no-gate", "--network", "loopback", stdin=code).stdout == "ok\n"
    assert airlock("-", "--no-gate", stdin=code).returncode != 0


def test_network_allow_list_option() -> None:
    """An allow-list run: the proxy refuses an unlisted host, the summary counts it and the
    JSON carries the attempt as the proxy recorded it."""
    code = (
        "import urllib.request, urllib.error\n"
        "try:\n    urllib.request.urlopen('http://192.0.2.1:8080/', timeout=10)\n"
        "except urllib.error.HTTPError as exc:\n    print(exc.code)\n"
    )
    proc = airlock("-", "--no-gate", "--network", "allow:example.com:443", stdin=code)
    assert (proc.returncode, proc.stdout) == (0, "403\n"), proc.stderr
    assert "egress=1 (1 denied)" in summary(proc)
    out = airlock("-", "--no-gate", "--json", "--network", "allow:example.com", stdin=code)
    data = json.loads(out.stdout)
    assert data["limits"]["network"] == "allow:example.com" and data["egress_count"] == 1
    [attempt] = data["egress"]
    assert attempt["host"] == "192.0.2.1" and attempt["reason"] == "not on the allow-list"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["/nonexistent/x.py"], None, "cannot read"),
        (["-", "--file", "novalue"], "pass\n", "NAME=PATH"),
        (["-", "--file", "a=/nonexistent"], "pass\n", "not a readable file"),
        (["-", "--file", "../up=/etc/hostname"], "pass\n", "invalid input file name"),
        (["-", "--ruleset", "no-such-set"], "pass\n", "bad rule set"),
        (["-"], b"\xff\xfe\x00bad", "not UTF-8"),
        (["-", "--timeout", "-1"], "pass\n", "timeout"),
        (["-", "--network", "internet"], "pass\n", "network"),
        (["-", "--network", "allow:example.com:0"], "pass\n", "--network: bad port"),
        (["-", "--network", "allow:"], "pass\n", "--network: empty entry"),
    ],
)
def test_usage_errors_are_clear(args: list[str], stdin: str | bytes | None, message: str) -> None:
    proc = airlock(*args, stdin=stdin)
    assert proc.returncode == run_outcome.EXIT_USAGE, proc.stderr
    assert message in proc.stderr


@given(
    exit_code=st.one_of(st.none(), st.integers(-(2**31), 2**31)),
    signal=st.one_of(st.none(), st.integers(1, 64)),
    timed_out=st.booleans(),
    memory=st.booleans(),
    refused=st.one_of(st.none(), st.text(min_size=1, max_size=5)),
    killed=st.one_of(st.none(), st.text(max_size=20)),
)
@settings(max_examples=200, deadline=None)
def test_exit_status_is_the_program_s_or_a_documented_one(
    exit_code: int | None,
    signal: int | None,
    timed_out: bool,
    memory: bool,
    refused: str | None,
    killed: str | None,
) -> None:
    result = ExecutionResult(
        exit_code=exit_code,
        signal=signal,
        timed_out=timed_out,
        memory_exceeded=memory,
        refused=refused,
        killed_reason=killed,
    )
    outcome = run_outcome.Outcome("refused" if refused else "ran", result=result)
    code = run_outcome.exit_code_for(outcome)
    passed = run_outcome.exit_code_for(outcome, pass_exit_code=True)
    assert 0 <= code <= 255 and 0 <= passed <= 255
    by_host = refused or timed_out or memory or killed
    own = run_outcome.program_status(result)
    if by_host or own is None:  # Airlock's decision: never 0 or 1, whatever the program did
        assert code in DOCUMENTED and passed == code
    else:  # the program's own ending: 0 or 1 only, its code on request
        assert code == (0 if own == 0 else 1)
        assert passed == own == (exit_code & 0xFF if signal is None else 128 + signal)
    assert run_outcome.summary(outcome, code).count("\n") == 0


@given(st.lists(st.text(max_size=30), max_size=4))
@settings(max_examples=100, deadline=None)
def test_file_specs_never_raise_anything_but_a_clean_exit(specs: list[str]) -> None:
    import typer

    try:
        run_cmd._parse_files(specs)
    except typer.Exit as exc:
        assert exc.exit_code == run_outcome.EXIT_USAGE


def test_refused_when_a_required_layer_is_missing_and_degraded_on_request() -> None:
    """In process (the missing layer is simulated): exit 5 and a clear reason, or a run
    marked DEGRADED with --allow-degraded."""
    from typer.testing import CliRunner

    from airlock.cli import app
    from airlock.executor.probe import unavailable

    runner = CliRunner()
    with unavailable(network="no network namespaces on this kernel"):
        refused = runner.invoke(app, ["run", "-", "--no-gate"], input="print('RAN')\n")
        degraded = runner.invoke(
            app, ["run", "-", "--no-gate", "--allow-degraded"], input="print('RAN')\n"
        )
    assert refused.exit_code == run_outcome.EXIT_REFUSED, refused.output
    assert "RAN" not in refused.output and "no network namespaces" in refused.output
    assert degraded.exit_code == 0 and "RAN" in degraded.output and "DEGRADED" in degraded.output
