"""`airlock dashboard` and `airlock demo` on the command line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from airlock.audit.store import Store
from airlock.cli import app
from airlock.cli.dashboard import streamlit_argv

runner = CliRunner()


def test_streamlit_is_started_headless_without_telemetry() -> None:
    argv = streamlit_argv(Path("/x/app.py"), host="127.0.0.1", port=8600)
    joined = " ".join(argv)
    assert argv[1:4] == ["-m", "airlock.dashboard.serve", "run"]
    assert "--server.headless true" in joined
    assert "--browser.gatherUsageStats false" in joined
    assert "--server.address 127.0.0.1" in joined and "--server.port 8600" in joined


@pytest.mark.parametrize("url", ["mysql://u@h/db", "   ", "sqlite+weird:///x.db"])
def test_dashboard_refuses_a_bad_url_in_one_line(url: str) -> None:
    result = runner.invoke(app, ["dashboard", "--db", url])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("airlock: ")


def test_demo_fills_a_fresh_store_through_the_pipeline(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "--db", str(db), "--count", "12", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "Recorded 12 screenings" in result.output
    assert f"airlock dashboard --db {db}" in result.output
    with Store(str(db), upgrade=False) as store:
        assert store.count() == 12
        assert store.verify().ok  # written through the real ledger
        rows = store.list_screenings(None, limit=100, order_by="created_at", descending=False)
    assert len({r.agent_id for r in rows}) >= 3
    first, last = rows[0].created_at, rows[-1].created_at
    assert last - first > timedelta(days=3)  # a spread over time, not one burst
    assert last.replace(tzinfo=UTC) <= datetime.now(UTC)
    assert {r.ruleset for r in rows} == {"default"}

    again = runner.invoke(app, ["demo", "--db", str(db), "--count", "2"])
    assert again.exit_code == 2 and "already holds 12 screenings" in again.output
    more = runner.invoke(app, ["demo", "--db", str(db), "--count", "2", "--append"])
    assert more.exit_code == 0, more.output


def test_demo_runs_its_pre_approved_snippets_under_a_reviewer(tmp_path: Path) -> None:
    """`make demo` died here once approvals needed a reviewer's token: a plan that holds
    a pre-approved snippet must still fill the store, and that snippet must have run."""
    from airlock.demo.filler import plan

    count = next(n for n in range(1, 151) if any(p.snippet.approve for p in plan(n, seed=7)))
    approved_code = {p.snippet.code for p in plan(count, seed=7) if p.snippet.approve}
    db = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "--db", str(db), "--count", str(count), "--seed", "7"])
    assert result.exit_code == 0, result.output
    with Store(str(db), upgrade=False) as store:
        rows = store.list_screenings(None, limit=200)
    assert len(rows) == count
    assert {r.gate_decision for r in rows if r.code in approved_code} == {"ran"}
