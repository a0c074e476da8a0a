"""`airlock run --network` beyond the rule set's `policy.network`: exit 5, one line naming
what was asked and the bound, recorded as refused; within the bound it runs (the control)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from airlock.cli import run_outcome

pytestmark = [pytest.mark.timeout(120)]

AIRLOCK = Path(sys.executable).with_name("airlock")


def airlock(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    command = (
        [str(AIRLOCK)]
        if AIRLOCK.exists()
        else [sys.executable, "-c", "from airlock.cli import main; main()"]
    )
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=110,
        env={**os.environ, "NO_COLOR": "1", "AIRLOCK_DB": str(db)},
        check=False,
    )


def test_more_network_than_the_rule_set_allows_exits_5(tmp_path: Path) -> None:
    rules = tmp_path / "team.yaml"
    rules.write_text("name: team\nextends: default\npolicy:\n  network: none\n")
    script = tmp_path / "job.py"
    script.write_text("print('RAN')\n")
    db = tmp_path / "audit.db"
    proc = airlock("run", str(script), "--ruleset", str(rules), "--network", "loopback", db=db)
    assert proc.returncode == run_outcome.EXIT_REFUSED, proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    assert "decision=refused" in line
    assert "network: loopback asked for; rule set 'team' allows at most none" in line
    assert "--allow-degraded" not in line  # it would not help
    rid = line.split("record=")[1].split()[0]
    record = json.loads(airlock("show", rid, "--format", "json", db=db).stdout)
    assert (record["gate_decision"], record["outcome"]) == ("refused", "refused"), record
    # Control: without network the same run goes through the same rule set.
    ok = airlock("run", str(script), "--ruleset", str(rules), "--network", "none", db=db)
    if ok.returncode == run_outcome.EXIT_REFUSED:
        pytest.skip(f"the executor refused to run here: {ok.stderr.strip()[-300:]}")
    assert ok.returncode == 0 and ok.stdout == "RAN\n", ok.stderr
