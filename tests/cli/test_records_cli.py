"""The record commands: history, show, review, alerts, audit verify, db upgrade, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from airlock.analyzer.models import Finding, Report
from airlock.audit.events import AlertDraft
from airlock.audit.migrate import HEAD
from airlock.audit.store import Store
from airlock.cli import app
from airlock.executor.models import ExecutionResult, Limits


def _report(verdict: str, score: int, *rules: str) -> Report:
    return Report(
        verdict=verdict,
        score=score,
        findings=[
            Finding(
                rule_id=r, title=r, severity="high", confidence="high", message=f"{r} hit", line=1
            )
            for r in rules
        ],
    )


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "cli.db")
    with Store(path) as s:
        s.record(
            code="print('fine')",
            report=_report("allow", 0),
            gate_decision="ran",
            result=ExecutionResult(exit_code=0, stdout="fine\n"),
            agent_id="alpha",
        )
        s.record(
            code="print('held')",
            report=_report("review", 40, "AIR-X"),
            gate_decision="held_for_review",
            agent_id="beta",
            limits=Limits(timeout_s=5),
        )
        s.record(
            code="import os; os.system('x')",
            report=_report("block", 90, "AIR-Y"),
            gate_decision="blocked",
            agent_id="beta",
        )
        s.record_alerts(
            [
                AlertDraft(
                    rule_id="blocked-attempt",
                    severity="high",
                    title="blocked code",
                    detail="beta tried",
                    agent_id="beta",
                    event_ids=[3],
                    dedup_key="b",
                )
            ]
        )
    return path


def run(*args: str, token: str | None = None) -> object:
    env = {"AIRLOCK_TOKEN": token} if token else None
    return CliRunner().invoke(app, list(args), env=env)


def add_reviewer(db: str, name: str) -> str:
    """`airlock reviewers add NAME`: the token is the last line of stdout."""
    out = run("reviewers", "add", name, "--db", db)
    assert out.exit_code == 0, out.output
    return out.output.strip().splitlines()[-1]


def test_history_table_and_filters(db: str) -> None:
    out = run("history", "--db", db)
    assert out.exit_code == 0, out.output
    assert "held_for_review" in out.output and "AIR-Y" in out.output
    data = json.loads(run("history", "--agent", "beta", "--format", "json", "--db", db).output)
    assert [r["id"] for r in data] == [3, 2]
    assert data[0]["rule_ids"] == ["AIR-Y"]
    data = json.loads(
        run(
            "history", "--verdict", "block", "--verdict", "allow", "--format", "json", "--db", db
        ).output
    )
    assert [r["verdict"] for r in data] == ["block", "allow"]
    assert (
        json.loads(run("history", "--limit", "1", "--format", "json", "--db", db).output)[0]["id"]
        == 3
    )
    assert json.loads(run("history", "--since", "1h", "--format", "json", "--db", db).output)
    assert (
        json.loads(run("history", "--since", "2099-01-01", "--format", "json", "--db", db).output)
        == []
    )


def test_show_text_and_json(db: str) -> None:
    out = run("show", "1", "--db", db)
    assert out.exit_code == 0
    assert "print('fine')" in out.output and "outcome ok" in out.output and "fine" in out.output
    data = json.loads(run("show", "3", "--format", "json", "--db", db).output)
    assert data["verdict"] == "block" and data["findings"][0]["rule_id"] == "AIR-Y"
    missing = run("show", "99", "--db", db)
    assert missing.exit_code == 1 and "no screening with id 99" in missing.output


def test_review_flow(db: str) -> None:
    out = run("review", "list", "--db", db)
    assert out.exit_code == 0 and "beta" in out.output
    assert [r["id"] for r in json.loads(run("review", "list", "--json", "--db", db).output)] == [2]
    erin = add_reviewer(db, "erin")
    blocked = run("review", "approve", "3", "--db", db, token=erin)
    assert blocked.exit_code == 1 and "never runs" in blocked.output
    fp = run("review", "false-positive", "3", "--note", "test data", "--db", db, token=erin)
    assert fp.exit_code == 0 and "false-positive by erin" in fp.output
    ok = run("review", "approve", "2", "--note", "looked at it", "--db", db, "--token", erin)
    assert ok.exit_code == 0, ok.output
    assert "approved by erin" in ok.output and "ran: outcome" in ok.output
    with Store(db) as s:
        d = s.get(2)
        assert d.reviews[-1].note == "looked at it"
        assert d.executions[-1].approved_by == "erin" and d.executions[-1].limits["timeout_s"] == 5
    assert json.loads(run("review", "list", "--json", "--db", db).output) == []
    every = json.loads(run("review", "list", "--all", "--json", "--db", db).output)
    assert {r["review_state"] for r in every} == {"approved", "false-positive"}
    risk = run("review", "accept-risk", "2", "--expires", "7d", "--db", db, token=erin)
    assert risk.exit_code == 0
    assert run("review", "deny", "2", "--db", db, token=erin).exit_code == 0
    assert "screening 2" in run("review", "show", "2", "--db", db).output


def test_alerts_commands(db: str) -> None:
    out = run("alerts", "--db", db)
    assert out.exit_code == 0 and "blocked code" in out.output
    assert len(json.loads(run("alerts", "--open", "--json", "--db", db).output)) == 1
    assert "events: 3" in run("alerts", "show", "1", "--db", db).output
    frank = add_reviewer(db, "frank")
    assert (
        "acknowledged"
        in run("alerts", "ack", "1", "--note", "on it", "--db", db, token=frank).output
    )
    assert "resolved" in run("alerts", "resolve", "1", "--db", db, token=frank).output
    assert json.loads(run("alerts", "--open", "--json", "--db", db).output) == []
    shown = run("alerts", "show", "1", "--db", db).output
    assert "acknowledged" in shown and "resolved by frank" in shown
    again = run("alerts", "resolve", "1", "--db", db, token=frank)
    assert again.exit_code == 1 and "already resolved" in again.output


def test_verify_and_tamper(db: str) -> None:
    out = run("audit", "verify", "--db", db)
    assert (
        out.exit_code == 0
        and out.output.strip() == "OK: 6 records, chain intact; SQLite integrity_check ok"
    )
    import sqlite3

    conn = sqlite3.connect(db)
    conn.execute("UPDATE screenings SET code = 'print(1)' WHERE id = 2")
    conn.commit()
    conn.close()
    bad = run("audit", "verify", "--db", db)
    assert bad.exit_code == 1
    assert "BROKEN at seq 3 (screenings id 2): content does not match its hash" in bad.output


def test_db_upgrade_and_export(db: str, tmp_path: Path) -> None:
    up = run("db", "upgrade", "--db", str(tmp_path / "fresh.db"))
    assert up.exit_code == 0 and f"at revision {HEAD}" in up.output
    target = tmp_path / "out.jsonl"
    out = run("export", "--format", "jsonl", "--output", str(target), "--db", db)
    assert out.exit_code == 0
    lines = [json.loads(x) for x in target.read_text().splitlines()]
    assert [x["type"] for x in lines] == ["screening"] * 3 + ["alert"]
    assert lines[0]["executions"][0]["stdout"] == "fine\n"
    assert lines[2]["findings"][0]["rule_id"] == "AIR-Y"
    stdout = run("export", "--db", db)
    assert len(stdout.output.splitlines()) == 4
