"""The foundation: the package installs, the CLI starts, the contracts validate."""

import subprocess
import sys

import pytest
from pydantic import ValidationError

from analyzer.models import Finding, Report, Severity, Verdict
from executor.models import Limits


def test_cli_reports_version() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "from audit.cli import main; main()", "version"],
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
