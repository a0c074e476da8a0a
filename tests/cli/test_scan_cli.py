"""`airlock scan`: exit codes, formats, stdin, directories and clear usage errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from airlock.cli import app

AIRLOCK = Path(sys.executable).with_name("airlock")
BLOCK = 'import base64\nexec(base64.b64decode("cHJpbnQoMSk="))\n'
REVIEW = 'import subprocess\nsubprocess.run(["ls", "-l"], check=True)\n'
ALLOW = "def add(a, b):\n    return a + b\n"
runner = CliRunner()


def airlock(
    *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The real console entry point, as a user or a pre-commit hook runs it."""
    command = (
        [str(AIRLOCK)]
        if AIRLOCK.exists()
        else [sys.executable, "-c", "from airlock.cli import main; main()"]
    )
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [*command, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "ok.py").write_text(ALLOW)
    (tmp_path / "pkg" / "review.py").write_text(REVIEW)
    for skipped in (".venv", "__pycache__", "node_modules", ".git"):
        (tmp_path / "pkg" / skipped).mkdir()
        (tmp_path / "pkg" / skipped / "evil.py").write_text(BLOCK)
    (tmp_path / "pkg" / "notes.txt").write_text(BLOCK)
    (tmp_path / "block.py").write_text(BLOCK)
    return tmp_path


def test_exit_codes_follow_fail_on(tree: Path) -> None:
    assert airlock("scan", str(tree / "pkg" / "ok.py")).returncode == 0
    assert airlock("scan", str(tree / "pkg" / "review.py")).returncode == 0
    assert airlock("scan", "--fail-on", "review", str(tree / "pkg" / "review.py")).returncode == 1
    done = airlock("scan", str(tree / "block.py"))
    assert done.returncode == 1
    assert "BLOCK" in done.stdout and "AIR-EXEC" in done.stdout and done.stderr == ""


def test_stdin(tree: Path) -> None:
    done = airlock("scan", "-f", "json", "-", stdin=BLOCK)
    assert done.returncode == 1, done.stderr
    (result,) = json.loads(done.stdout)["results"]
    assert result["path"] == "-" and result["verdict"] == "block"
    assert airlock("scan", "-", stdin=ALLOW).returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "no/such/file.py"], "path not found: no/such/file.py"),
        (["scan", "--ruleset", "no-such-set", "."], "bad rule set 'no-such-set'"),
        (["scan", "--format", "xml", "."], ""),
        (["scan", "--fail-on", "allow", "."], ""),
        (["scan"], ""),
    ],
)
def test_usage_errors_exit_2_without_a_traceback(tree: Path, args: list[str], message: str) -> None:
    done = airlock(*args, cwd=tree)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and done.stdout == ""
    if message:
        assert done.stderr.strip() == f"airlock: error: {message}" or message in done.stderr


def test_a_broken_rule_file_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "mine.yaml"
    bad.write_text("name: mine\nextends: default\nrules: [ {id: X} ]\n")
    done = airlock("scan", "--ruleset", str(bad), str(tmp_path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert (
        done.stderr.startswith("airlock: error: bad rule set")
        and len(done.stderr.splitlines()) == 1
    )


def test_json_report_of_a_directory(tree: Path) -> None:
    result = runner.invoke(app, ["scan", "--format", "json", str(tree)])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    paths = [Path(r["path"]).relative_to(tree).as_posix() for r in doc["results"]]
    assert paths == ["block.py", "pkg/ok.py", "pkg/review.py"]  # sorted; caches and .venv skipped
    verdicts = [r["verdict"] for r in doc["results"]]
    assert verdicts == ["block", "allow", "review"]
    for result_ in doc["results"]:
        assert set(result_) == {"path", "verdict", "score", "reasons", "findings", "error"}
        for finding in result_["findings"]:
            assert {"rule_id", "severity", "confidence", "line", "column", "message", "origin",
                    "suppressed"} <= set(finding)  # fmt: skip
    assert doc["summary"]["verdicts"] == {"allow": 1, "review": 1, "block": 1}
    assert doc["summary"]["ruleset"] == "default"


def test_sarif_report_to_a_file(tree: Path) -> None:
    out = tree / "report.sarif"
    result = runner.invoke(app, ["scan", "-f", "sarif", "-o", str(out), str(tree / "block.py")])
    assert result.exit_code == 1 and result.stdout == ""
    doc = json.loads(out.read_text())
    (run,) = doc["runs"]
    assert doc["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "Airlock"
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    for res in run["results"]:
        rule = rules[res["ruleId"]]
        assert run["tool"]["driver"]["rules"][res["ruleIndex"]] is not None
        assert rule["properties"]["security-severity"] and rule["properties"]["precision"]
        assert rule["help"]["markdown"] and rule["shortDescription"]["text"]
        assert res["partialFingerprints"]["primaryLocationLineHash"]
        assert res["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
    assert any(r.startswith("AIR-") and rules[r].get("helpUri") for r in rules)


def test_many_files_in_parallel_keep_their_order(tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"m{i:02d}.py").write_text(BLOCK if i % 10 == 3 else ALLOW)
    result = runner.invoke(app, ["scan", "-f", "json", "--jobs", "2", str(tmp_path)])
    doc = json.loads(result.stdout)
    assert [Path(r["path"]).name for r in doc["results"]] == [f"m{i:02d}.py" for i in range(30)]
    blocked = [Path(r["path"]).name for r in doc["results"] if r["verdict"] == "block"]
    assert blocked == ["m03.py", "m13.py", "m23.py"]


def test_trusted_honours_inline_suppressions(tmp_path: Path) -> None:
    source = tmp_path / "s.py"
    source.write_text('import os\nos.system("ls")  # nosec\n')
    plain = json.loads(runner.invoke(app, ["scan", "-f", "json", str(source)]).stdout)
    trusted = json.loads(
        runner.invoke(app, ["scan", "-f", "json", "--trusted", str(source)]).stdout
    )
    live = [f for f in plain["results"][0]["findings"] if not f["suppressed"]]
    still = [f for f in trusted["results"][0]["findings"] if not f["suppressed"]]
    assert len(still) < len(live)


def test_text_output_has_no_colour_when_piped(tree: Path) -> None:
    result = runner.invoke(app, ["scan", str(tree / "block.py")])
    assert "\x1b[" not in result.stdout and "block.py: BLOCK" in result.stdout


def test_progress_bar_on_a_terminal_stderr_only(tmp_path: Path) -> None:
    import pty
    import select

    for i in range(25):
        (tmp_path / f"m{i:02d}.py").write_text(ALLOW)
    command = (
        [str(AIRLOCK)]
        if AIRLOCK.exists()
        else [sys.executable, "-c", "from airlock.cli import main; main()"]
    )
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*command, "scan", "-f", "json", str(tmp_path)], stdout=subprocess.PIPE, stderr=slave
    )
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    out, _ = proc.communicate(timeout=120)
    os.close(master)
    assert proc.returncode == 0
    assert b"scanning" in seen and b"25/25" in seen
    assert len(json.loads(out)["results"]) == 25  # stdout stays clean JSON


def test_pre_commit_hook_definition() -> None:
    import yaml

    root = Path(__file__).resolve().parents[2]
    (hook,) = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "airlock-scan" and hook["language"] == "python"
    assert hook["entry"] == "airlock scan --fail-on block" and hook["types"] == ["python"]


def test_text_output_shows_escape_sequences_from_code_and_file_names(tmp_path: Path) -> None:
    """A scanned file cannot set the window title, hide a finding or recolour its name."""
    code = 'import os\nos.system("x")  # \x1b]0;owned\x07\x1b[8m hidden \u202e\n'
    bad = tmp_path / "e\x1b[31mvil.py"
    bad.write_text(code)
    assert "\x1b" in bad.read_text()  # negative control: the escapes are there to print
    out = CliRunner().invoke(app, ["scan", str(tmp_path)])
    assert out.exit_code == 1, out.output  # the bidi override blocks (trojan source)
    assert "\x1b" not in out.output and "\u202e" not in out.output
    assert "\\x1b]0;owned\\x07\\x1b[8m hidden \\u202e" in out.output  # shown, inert
    assert "e\\x1b[31mvil.py:2:1  AIR-PROC-001" in out.output
