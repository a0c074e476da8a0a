"""Audit store throughput and dashboard query times.

    python benchmarks/store_throughput.py [--records 1000] [--seed 100000] [--pg-url URL]

Measures, on SQLite (and PostgreSQL when --pg-url is given):
  * records/s of one writer appending screenings (with findings and a run) one
    transaction each, as `audit.guard` does;
  * records/s of 4 writer processes appending at once (the chain stays intact);
  * the time of the dashboard's main queries over --seed stored screenings,
    seeded with batched inserts that still compute the hash chain.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from airlock.analyzer.models import Finding, Report
from airlock.audit.queries import ScreeningFilter
from airlock.audit.store import Store
from airlock.audit.tables import Execution, FindingRow, Screening
from airlock.executor.models import ExecutionResult

RULES = [f"AIR-{c}-{n:03d}" for c in ("PROC", "NET", "FS", "OBF", "EXEC") for n in range(1, 9)]
AGENTS = [f"agent-{n}" for n in range(40)]


def _report(rng: random.Random) -> Report:
    verdict = rng.choices(["allow", "review", "block"], weights=[70, 20, 10])[0]
    rules = rng.sample(RULES, {"allow": 0, "review": 1, "block": 2}[verdict])
    findings = [
        Finding(rule_id=r, title=r, severity="high", confidence="high", message="m", line=i + 1)
        for i, r in enumerate(rules)
    ]
    score = {
        "allow": rng.randint(0, 14),
        "review": rng.randint(15, 69),
        "block": rng.randint(70, 100),
    }
    return Report(verdict=verdict, score=score[verdict], findings=findings)


def _append(url: str, n: int, tag: str, barrier: Any = None) -> None:
    rng = random.Random(tag)
    with Store(url) as store:
        if barrier is not None:
            barrier.wait()  # start together, after imports and connecting
        for i in range(n):
            rep = _report(rng)
            ran = rep.verdict == "allow"
            gate = {"allow": "ran", "review": "held_for_review", "block": "blocked"}[rep.verdict]
            store.record(
                code=f"print({i})  # {tag}",
                report=rep,
                gate_decision=gate,
                result=ExecutionResult(exit_code=0, stdout=f"{i}\n", wall_s=0.05) if ran else None,
                agent_id=rng.choice(AGENTS),
            )


def single_writer(url: str, n: int) -> float:
    """Records per second for one writer."""
    with Store(url):
        pass
    start = time.perf_counter()
    _append(url, n, "single")
    return n / (time.perf_counter() - start)


def concurrent_writers(url: str, n: int, procs: int = 4) -> float:
    """Records per second for `procs` writer processes together (timed from a common start)."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(procs + 1)
    workers = [
        ctx.Process(target=_append, args=(url, n // procs, f"w{k}", barrier)) for k in range(procs)
    ]
    for w in workers:
        w.start()
    barrier.wait(timeout=300)
    start = time.perf_counter()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    if any(w.exitcode != 0 for w in workers):
        raise SystemExit("a writer failed")
    return (n // procs) * procs / elapsed


def seed(store: Store, n: int, batch: int = 5000) -> float:
    """Bulk-append `n` screenings spread over 30 days; returns the seconds it took."""
    rng = random.Random(7)
    start_day = datetime.now(UTC) - timedelta(days=30)
    t0 = time.perf_counter()
    for base in range(0, n, batch):
        rows: list[tuple[Screening, list[FindingRow], Execution | None]] = []
        for i in range(base, min(n, base + batch)):
            rep = _report(rng)
            at = start_day + timedelta(seconds=i * 30 * 86400 / n)
            gate = {"allow": "ran", "review": "held_for_review", "block": "blocked"}[rep.verdict]
            s = Screening(
                created_at=at,
                agent_id=rng.choice(AGENTS),
                code=f"x = {rng.random()!r}",
                code_sha256=uuid.UUID(int=rng.getrandbits(128)).hex * 2
                if rng.random() > 0.05
                else "0" * 64,
                ruleset="default",
                score=rep.score,
                verdict=str(rep.verdict),
                reasons=[],
                gate_decision=gate,
                review_state="open" if gate == "held_for_review" else None,
            )
            findings = [
                FindingRow(
                    rule_id=f.rule_id,
                    title=f.title,
                    severity="high",
                    confidence="high",
                    line=f.line,
                    message="m",
                )
                for f in rep.findings
            ]
            ex = None
            if gate == "ran":
                outcome = rng.choices(
                    ["ok", "failed", "timeout", "memory"], weights=[85, 10, 3, 2]
                )[0]
                ex = Execution(
                    created_at=at,
                    outcome=outcome,
                    exit_code=0 if outcome == "ok" else 1,
                    timed_out=outcome == "timeout",
                    memory_exceeded=outcome == "memory",
                    stdout="ok\n",
                    layers=[],
                    files=[],
                    wall_s=0.1,
                )
            rows.append((s, findings, ex))
        store.append_rows(rows)
    return time.perf_counter() - t0


def timed(fn: Callable[[], Any], repeat: int = 3) -> float:
    """Median milliseconds of `fn()`."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def dashboard_queries(store: Store) -> dict[str, float]:
    """The Overview / Executions / Review / Patterns / Rules pages' queries, in ms."""
    week = ScreeningFilter(since=datetime.now(UTC) - timedelta(days=7))
    return {
        "list_screenings (page 1, newest)": timed(lambda: store.list_screenings(limit=50)),
        "list_screenings (page 200, verdict=block)": timed(
            lambda: store.list_screenings(
                ScreeningFilter(verdicts=["block"]), limit=50, offset=10_000
            )
        ),
        "list_screenings (rule filter, by score)": timed(
            lambda: store.list_screenings(ScreeningFilter(rule_id="AIR-PROC-001"), order_by="score")
        ),
        "list_screenings (agent + 7 days)": timed(
            lambda: store.list_screenings(ScreeningFilter(agent_ids=["agent-3"], since=week.since))
        ),
        "list_screenings (free text in code)": timed(
            lambda: store.list_screenings(ScreeningFilter(text="0.12345"))
        ),
        "count_screenings (all)": timed(lambda: store.count_screenings()),
        "counts_over_time (day x verdict, 30 days)": timed(lambda: store.counts_over_time()),
        "counts_over_time (hour x verdict, 7 days)": timed(
            lambda: store.counts_over_time(week, unit="hour")
        ),
        "rule_counts_over_time (day)": timed(lambda: store.rule_counts_over_time()),
        "top_rules": timed(lambda: store.top_rules()),
        "top_agents": timed(lambda: store.top_agents()),
        "outcome_counts / limit share": timed(lambda: store.limit_hit_share()),
        "review_queue (page 1) + count": timed(
            lambda: (store.review_queue(), store.review_queue_count())
        ),
        "rule_stats (hits + FP rate)": timed(lambda: store.rule_stats()),
        "repeated_hashes": timed(lambda: store.repeated_hashes()),
        "agents()": timed(lambda: store.agents()),
        "get(id) detail": timed(lambda: store.get(50_000 if store.count() > 50_000 else 1)),
    }


def run_engine(name: str, url: str, args: argparse.Namespace) -> None:
    print(f"\n== {name} ==")
    Store(url).close()
    print(
        f"single writer:      {single_writer(url, args.records):8.0f} records/s ({args.records} records)"
    )
    print(
        f"4 writer processes: {concurrent_writers(url, args.records):8.0f} records/s ({args.records} records)"
    )
    with Store(url) as store:
        rep = store.verify()
        print(f"chain after writers: {rep.line()}")
        missing = max(0, args.seed - store.count())
        secs = seed(store, missing)
        print(
            f"seeded {missing} screenings in {secs:.1f}s ({missing / max(secs, 1e-9):.0f} records/s bulk)"
        )
        print(f"dashboard queries over {store.count()} screenings (median of 3, ms):")
        for label, ms in dashboard_queries(store).items():
            print(f"  {label:44s} {ms:8.1f}")
        t = time.perf_counter()
        rep = store.verify()
        print(f"audit verify: {rep.line()} in {time.perf_counter() - t:.1f}s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=1000, help="records per writer test")
    parser.add_argument("--seed", type=int, default=100_000, help="screenings for the query test")
    parser.add_argument("--pg-url", help="also run against this PostgreSQL URL (an empty database)")
    parser.add_argument("--sqlite", help="SQLite file to use (default: a temporary file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run_engine("SQLite", args.sqlite or str(Path(tmp) / "bench.db"), args)
    if args.pg_url:
        run_engine("PostgreSQL", args.pg_url, args)


if __name__ == "__main__":
    main()
