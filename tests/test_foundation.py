"""The foundation: the package installs, the CLI starts, the contracts validate."""

import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from airlock.analyzer.models import Finding, Report, Severity, Verdict
from airlock.executor.models import Limits


def test_cli_reports_version() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "from airlock.cli import main; main()", "version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "0.1.0"


def test_report_score_is_bounded() -> None:
    with pytest.raises(ValidationError):
        Report(verdict=Verdict.allow, score=101)


def test_finding_round_trips_through_json() -> None:
    f = Finding(rule_id="X1", title="t", severity=Severity.high, confidence="high", message="m")
    assert Finding.model_validate_json(f.model_dump_json()) == f


def test_limits_reject_nonsense() -> None:
    with pytest.raises(ValidationError):
        Limits(timeout_s=0)


def test_an_internal_error_is_one_line_and_exit_70() -> None:
    """Whatever breaks inside a command, the user sees one line, not a traceback."""
    crash = "import airlock.cli as c\nc.app = lambda: 1 / 0\nc.main()\n"
    env = {k: v for k, v in os.environ.items() if k != "AIRLOCK_DEBUG"}
    proc = subprocess.run(
        [sys.executable, "-c", crash], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 70
    assert proc.stderr.startswith("airlock: internal error: ZeroDivisionError")
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1
