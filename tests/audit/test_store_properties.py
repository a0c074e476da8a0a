"""Properties of the store: what goes in comes back out; any single-row tamper is caught."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from audit_factories import PG_SKIP, pg_base, pg_schema_url
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from airlock.analyzer.models import Finding, Reason, Report
from airlock.audit.store import Store
from airlock.audit.tables import CHAINED, ChainHead
from airlock.executor.models import ExecutionResult, LayerStatus

SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

texts = st.text(max_size=60)
ids = st.none() | st.text(min_size=1, max_size=40)
when = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)
) | st.datetimes(
    min_value=datetime(2000, 1, 2),
    max_value=datetime(2099, 1, 1),
    timezones=st.just(timezone(timedelta(hours=-7))),
)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)

findings = st.builds(
    Finding,
    rule_id=st.text(min_size=1, max_size=30),
    title=texts,
    severity=st.sampled_from(["info", "low", "medium", "high", "critical"]),
    confidence=st.sampled_from(["low", "medium", "high"]),
    line=st.integers(0, 2**31 - 1),
    column=st.integers(0, 10_000),
    source_line=texts,
    message=texts,
    suppressed=st.booleans(),
    cwe=st.none() | st.text(max_size=10),
)
reports = st.builds(
    Report,
    verdict=st.sampled_from(["allow", "review", "block"]),
    score=st.integers(0, 100),
    findings=st.lists(findings, max_size=4),
    reasons=st.lists(
        st.builds(Reason, text=texts, rule_ids=st.lists(texts, max_size=2), points=finite),
        max_size=3,
    ),
    ruleset=st.text(min_size=1, max_size=20),
    ruleset_version=st.text(max_size=10),
    duration_ms=finite,
    lines=st.integers(0, 10**6),
    error=st.none() | texts,
)
results = st.none() | st.builds(
    ExecutionResult,
    exit_code=st.none() | st.integers(-(2**31), 2**31 - 1),
    signal=st.none() | st.integers(1, 64),
    timed_out=st.booleans(),
    memory_exceeded=st.booleans(),
    stdout=st.text(max_size=200),
    stderr=st.text(max_size=200),
    wall_s=finite,
    cpu_s=finite,
    peak_memory_mb=st.none() | finite,
    degraded=st.booleans(),
    refused=st.none() | texts,
    layers=st.lists(
        st.builds(
            LayerStatus,
            name=texts,
            status=st.sampled_from(["active", "unavailable", "disabled"]),
            reason=st.none() | texts,
        ),
        max_size=3,
    ),
)


def _clean(s: Any) -> Any:
    return s.replace("\x00", "\ufffd") if isinstance(s, str) else s


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def shared_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """One store per engine for all examples (a fresh database per example would be slow)."""
    if request.param == "sqlite":
        with Store(str(tmp_path_factory.mktemp("prop") / "p.db")) as s:
            yield s
        return
    base = pg_base()
    if base is None:
        pytest.skip(PG_SKIP)
    with pg_schema_url(base) as url, Store(url) as s:
        yield s


@SETTINGS
@given(
    code=st.text(max_size=300), rep=reports, res=results, agent=ids, user=ids, session=ids, at=when
)
def test_append_then_read_back_equal(
    shared_store: Store, code, rep, res, agent, user, session, at
) -> None:
    row = shared_store.record(
        code=code,
        report=rep,
        gate_decision="ran" if res else "blocked",
        result=res,
        agent_id=agent,
        user_id=user,
        session_id=session,
        created_at=at,
    )
    d = shared_store.get(row.id)
    s = d.screening
    assert s.code == _clean(code)
    assert (s.agent_id, s.user_id, s.session_id) == (_clean(agent), _clean(user), _clean(session))
    assert s.created_at == at
    assert (s.verdict, s.score, s.ruleset, s.ruleset_version) == (
        str(rep.verdict),
        rep.score,
        _clean(rep.ruleset),
        _clean(rep.ruleset_version),
    )
    assert s.scan_ms == rep.duration_ms and s.lines == rep.lines and s.error == _clean(rep.error)
    assert s.reasons == [r.model_dump(mode="json") for r in rep.reasons]
    got = [
        (
            f.rule_id,
            f.title,
            f.severity,
            f.line,
            f.column,
            f.source_line,
            f.message,
            f.suppressed,
            f.cwe,
        )
        for f in d.findings
    ]
    want = [
        tuple(
            _clean(v)
            for v in (
                f.rule_id,
                f.title,
                str(f.severity),
                f.line,
                f.column,
                f.source_line,
                f.message,
                f.suppressed,
                f.cwe,
            )
        )
        for f in rep.findings
    ]
    assert got == want
    if res is None:
        assert d.executions == []
    else:
        [e] = d.executions
        assert (e.exit_code, e.signal, e.timed_out, e.memory_exceeded) == (
            res.exit_code,
            res.signal,
            res.timed_out,
            res.memory_exceeded,
        )
        assert (e.stdout, e.stderr) == (_clean(res.stdout), _clean(res.stderr))
        assert (e.wall_s, e.cpu_s, e.peak_memory_mb, e.degraded) == (
            res.wall_s,
            res.cpu_s,
            res.peak_memory_mb,
            res.degraded,
        )
        assert e.refused == _clean(res.refused)
        assert e.layers == [layer.model_dump(mode="json") for layer in res.layers]
    assert shared_store.verify().ok


def _changed(value: Any) -> Any:
    """A different value of the same type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 1.0 if abs(value) < 1e15 else value / 2
    if isinstance(value, datetime):
        return value + timedelta(seconds=1)
    if isinstance(value, str):  # same length: VARCHAR limits hold on PostgreSQL
        return value[:-1] + ("y" if value.endswith("x") else "x") if value else "x"
    if isinstance(value, list):
        return [*value, 1]
    if isinstance(value, dict):
        return {**value, "tampered": True}
    raise AssertionError(type(value))


@SETTINGS
@given(data=st.data())
def test_any_single_row_tamper_is_detected(shared_store: Store, data: st.DataObject) -> None:
    if shared_store.count() < 3:
        for i in range(3):
            shared_store.record(
                code=f"x{i}",
                report=Report(
                    verdict="block",
                    score=80,
                    findings=[
                        Finding(
                            rule_id="R", title="t", severity="high", confidence="high", message="m"
                        )
                    ],
                ),
                gate_decision="blocked",
            )
        shared_store.add_review(1, "denied", by="me")
    assert shared_store.verify().ok
    tables = {**{n: m.__table__ for n, m in CHAINED.items()}, "chain_head": ChainHead.__table__}
    from airlock.audit.tables import FindingRow

    tables["findings"] = FindingRow.__table__
    with shared_store.engine.connect() as conn:
        candidates = [(n, t) for n, t in tables.items() if conn.execute(select(t).limit(1)).first()]
        name, table = data.draw(st.sampled_from(candidates), label="table")
        rows = conn.execute(select(table).order_by(table.c.id)).mappings().all()
    row = data.draw(st.sampled_from(rows), label="row")
    cols = [c for c in table.columns if c.name not in ("id",) and row[c.name] is not None]
    if name == "findings":
        cols = [c for c in cols if c.name != "screening_id"]
    col = data.draw(st.sampled_from(cols), label="column")
    original = row[col.name]
    changed = original + 10**9 if col.name == "seq" else _changed(original)  # seq is UNIQUE
    if col.foreign_keys:  # re-point the row at another existing record (a dangling id is refused)
        ref = next(iter(col.foreign_keys)).column
        with shared_store.engine.connect() as conn:
            others = [i for (i,) in conn.execute(select(ref)) if i != original]
        assume(others)
        changed = data.draw(st.sampled_from(others), label="points at")
    with shared_store.engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == row["id"]).values({col.name: changed}))
    try:
        rep = shared_store.verify()
        assert not rep.ok, f"{name}.{col.name} edit went unnoticed"
    finally:
        with shared_store.engine.begin() as conn:
            conn.execute(update(table).where(table.c.id == row["id"]).values({col.name: original}))
    assert shared_store.verify().ok
