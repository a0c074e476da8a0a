"""Automatic checkpoints: every N records a signed head reaches the alert sink, and an
auditor holding the latest one catches a later rewrite of the store (SQLite and PostgreSQL).

The code screened here is blocked, so nothing runs: these tests are about the record.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from audit_factories import rechain
from sqlalchemy import select, update
from typer.testing import CliRunner

from airlock.audit import auto_checkpoint
from airlock.audit.db import make_engine, resolve_url
from airlock.audit.pipeline import guard
from airlock.audit.store import Store
from airlock.audit.tables import Screening
from airlock.cli import app

EVIL = "import os\nos.system('rm -rf /')"


@pytest.fixture
def sink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "alerts.jsonl"
    monkeypatch.setenv("AIRLOCK_ALERT_LOG", str(log))
    monkeypatch.setenv("AIRLOCK_CHECKPOINT_KEY", str(tmp_path / "keys" / "checkpoint.key"))
    return log


def _sent(log: Path, rule_id: str) -> list[dict]:
    if not log.exists():
        return []
    return [d for d in map(json.loads, log.read_text().splitlines()) if d["rule_id"] == rule_id]


def _verify(url: str, cp: Path) -> tuple[int, str]:
    out = CliRunner().invoke(app, ["audit", "verify", "--db", url, "--checkpoint", str(cp)])
    return out.exit_code, out.output


def test_checkpoints_reach_the_sink_every_n_records_and_anchor_the_store(
    db_url: str, sink: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(auto_checkpoint.ENV_EVERY, "4")
    with Store(db_url) as store:
        for i in range(6):
            result = guard(EVIL, agent_id=f"agent-{i}", store=store)
            assert result.record_error is None and result.alert_error is None, result
    sent = _sent(sink, auto_checkpoint.RULE_ID)
    assert len(sent) >= 2, sent  # six screenings and their alerts pass 4 more than twice
    keys = [d["detail"] for d in sent]
    assert len(set(keys)) == len(keys)  # one checkpoint per multiple of N, never repeated
    latest = tmp_path / "cp.json"
    latest.write_text(sent[-1]["detail"])
    code, output = _verify(db_url, latest)
    assert code == 0 and "holds" in output, output

    # Rewrite an agent id the checkpoint covers and recompute every hash: the keyless
    # chain verifies again (the negative control), the checkpoint from the sink does not.
    engine = make_engine(resolve_url(db_url))
    with engine.begin() as conn:
        tbl = Screening.__table__  # type: ignore[attr-defined]
        first = conn.execute(select(tbl.c.id).order_by(tbl.c.id)).scalar()
        conn.execute(update(tbl).where(tbl.c.id == first).values(agent_id="someone-else"))
    engine.dispose()
    rechain(db_url)
    plain = CliRunner().invoke(app, ["audit", "verify", "--db", db_url])
    assert plain.exit_code == 0, plain.output
    code, output = _verify(db_url, latest)
    assert code != 0 and "checkpoint" in output, output


def test_without_the_setting_no_checkpoint_is_sent(
    sqlite_url: str, sink: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(auto_checkpoint.ENV_EVERY, raising=False)
    with Store(sqlite_url) as store:
        for _ in range(5):
            guard(EVIL, store=store)
    assert _sent(sink, "blocked-attempt")  # the sink works (negative control)
    assert _sent(sink, auto_checkpoint.RULE_ID) == []


def test_a_broken_chain_is_never_signed_and_raises_a_critical_alert(
    sqlite_url: str, sink: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(auto_checkpoint.ENV_EVERY, "3")
    with Store(sqlite_url) as store:
        guard(EVIL, agent_id="a", store=store)
    engine = make_engine(resolve_url(sqlite_url))
    with engine.begin() as conn:  # edit a chained record without rechaining
        tbl = Screening.__table__  # type: ignore[attr-defined]
        conn.execute(update(tbl).values(agent_id="forged"))
    engine.dispose()
    with Store(sqlite_url) as store:
        for _ in range(3):
            guard(EVIL, agent_id="a", store=store)
    assert _sent(sink, auto_checkpoint.RULE_ID) == []
    broken = _sent(sink, auto_checkpoint.BROKEN_RULE_ID)
    assert broken and broken[0]["severity"] == "critical", broken


@pytest.mark.parametrize("raw", ["0", "-3", "ten", "1e3", str(10**10)])
def test_a_bad_setting_is_reported_and_the_record_still_kept(
    sqlite_url: str, sink: Path, monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv(auto_checkpoint.ENV_EVERY, raw)
    with Store(sqlite_url) as store:
        result = guard(EVIL, store=store)
        assert result.record_error is None
        assert store.get(result.record_id).screening.verdict == "block"
    assert result.alert_error is not None and auto_checkpoint.ENV_EVERY in result.alert_error
    assert _sent(sink, "blocked-attempt")  # the other alerts still went out


@pytest.mark.parametrize(("raw", "n"), [("", None), (" 7 ", 7), ("1", 1)])
def test_every_reads_the_setting(raw: str, n: int | None) -> None:
    assert auto_checkpoint.every({auto_checkpoint.ENV_EVERY: raw}) == n
