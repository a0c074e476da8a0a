"""Builders for the audit tests: reports, run results and store URLs on both engines."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select, update

from airlock.analyzer.models import Finding, Reason, Report
from airlock.audit.chain import GENESIS, content_of, link_hash
from airlock.audit.db import make_engine, resolve_url
from airlock.audit.tables import CHAINED, ChainHead, FindingRow
from airlock.executor.models import ExecutionResult, LayerStatus, Limits

PG_ENV = "AIRLOCK_TEST_PG_URL"
PG_SKIP = f"${PG_ENV} is not set: no PostgreSQL server to run the store tests against"


def report(verdict: str = "allow", score: int = 0, rules: tuple[str, ...] = ()) -> Report:
    """A report with one high/high finding per rule id."""
    return Report(
        verdict=verdict,
        score=score,
        findings=[
            Finding(
                rule_id=r,
                title=f"{r} title",
                severity="high",
                confidence="high",
                message=f"{r} fired",
                line=i + 1,
                source_line=f"line {i + 1}",
            )
            for i, r in enumerate(rules)
        ],
        reasons=[Reason(text=f"{r} matched", rule_ids=[r], points=12.5) for r in rules],
        ruleset="default",
        ruleset_version="1.0",
        lines=3,
        duration_ms=1.25,
    )


def result(exit_code: int = 0, stdout: str = "ok\n", **kw: object) -> ExecutionResult:
    """A run result with two layers, one of them unavailable."""
    return ExecutionResult(
        exit_code=exit_code,
        stdout=stdout,
        wall_s=0.25,
        cpu_s=0.125,
        layers=[
            LayerStatus(name="rlimits", status="active"),
            LayerStatus(name="cgroup", status="unavailable", reason="no delegation"),
        ],
        limits=Limits(timeout_s=2),
        **kw,
    )


@contextmanager
def pg_schema_url(base: str) -> Iterator[str]:
    """A private schema on the test server, dropped afterwards; yields a URL that uses it."""
    from airlock.audit.db import make_engine, resolve_url

    schema = "t_" + uuid.uuid4().hex[:12]
    admin = make_engine(resolve_url(base))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def pg_base() -> str | None:
    """The PostgreSQL test server URL, if one is configured."""
    return os.environ.get(PG_ENV) or None


def rechain(url: str) -> None:
    """What an attacker with write access does after editing: recompute every hash."""
    engine = make_engine(resolve_url(url))
    with engine.begin() as conn:
        rows = []
        for table, model in CHAINED.items():
            tbl = model.__table__  # type: ignore[attr-defined]
            rows += [(r["seq"], table, dict(r)) for r in conn.execute(select(tbl)).mappings()]
        prev = GENESIS
        for seq, table, row in sorted(rows, key=lambda item: item[0]):
            findings = []
            if table == "screenings":
                ft = FindingRow.__table__  # type: ignore[attr-defined]
                q = select(ft).where(ft.c.screening_id == row["id"]).order_by(ft.c.id)
                findings = [dict(f) for f in conn.execute(q).mappings()]
            row["prev_hash"] = prev  # the link is part of the hashed content
            digest = link_hash(prev, content_of(table, row, findings))
            tbl = CHAINED[table].__table__  # type: ignore[attr-defined]
            conn.execute(update(tbl).where(tbl.c.seq == seq).values(hash=digest, prev_hash=prev))
            prev = digest
        count = len(rows)
        conn.execute(update(ChainHead.__table__).values(seq=count, hash=prev))  # type: ignore[attr-defined]
    engine.dispose()
