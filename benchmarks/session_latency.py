"""Session latency: calls into a live executor.Session against bare interpreter starts, same run.

Series, interleaved round by round so machine noise hits each alike:

- **bare `python -c pass`**: a fresh interpreter per call (the baseline of every ratio);
- **session `print(1)`**: one call into a session already started (target ≤ 0.2× bare);
- **bare `python seed.py`** and **session pandas job**: the canonical job (build a
  DataFrame, `describe()` it) as a fresh process, and as a call into a session that has
  imported pandas once (the issue's run() target is 0.1× bare; a session call is what
  meets it today, `run()` still starts a cold interpreter);
- **guard `print(1)` in a session**: screen, record (SQLite), run in the session, record.

Then the warm series (``AIRLOCK_WARM=2``): ``run()`` and ``guard()`` of plain code on warm
interpreters against bare starts interleaved in the same rounds, each timed call made
with the pool full (``--parts``: where a warm ``guard()`` spends its time).

Then 20 concurrent sessions on this machine: each starts, imports a module, answers one
call correctly; the peak memory per session (its cgroup's, when the cgroup layer is on)
and the wall time are printed.

    python benchmarks/session_latency.py [--runs 30] [--sessions 20] [--parts]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from run_latency import measure, p95  # the same interleaved timing as run_latency.py

SEED = """\
import pandas as pd
df = pd.DataFrame({"city": ["a", "b", "c"] * 100, "temp": [float(i % 37) for i in range(300)]})
print(df.describe())
"""


def checked(session, code: str, expect: str | None = None) -> Callable[[], object]:
    def call() -> object:
        r = session.run(code)
        if r.exit_code != 0 or (expect is not None and expect not in r.stdout):
            raise RuntimeError(f"call failed: {r.killed_reason or r.stderr[-500:]}")
        return r

    return call


def concurrent(n: int) -> None:
    from airlock.executor import Limits, Session

    results: list[tuple[bool, float | None]] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        ok, peak = False, None
        try:
            with Session(limits=Limits(timeout_s=60, memory_mb=256)) as s:
                s.run("import json, statistics")
                r = s.run(f"statistics.mean([{i}, {i + 2}])")
                ok = r.value == f"{i + 1}" or r.value == f"{i + 1}.0"
            final = s.final
            peak = final.peak_memory_mb if final is not None else None
        finally:
            with lock:
                results.append((ok, peak))

    start = time.perf_counter()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    peaks = [p for _, p in results if p is not None]
    correct = sum(ok for ok, _ in results)
    print(f"\n{n} concurrent sessions: {correct}/{n} answered correctly in {wall:.2f}s")
    if peaks:
        print(
            f"peak memory per session (MB): median {statistics.median(peaks):.1f}, "
            f"max {max(peaks):.1f}"
        )


class Parts:
    """p50 of each part of a warm guard() (perf_counter around the pipeline's steps, this
    thread only): where its time goes."""

    NAMES = (
        ("whole guard()", None),
        ("screen (analyzer.scan)", "scan"),
        ("record the intent", "intent"),
        ("  of which its commit (fsync)", "intent commit"),
        ("run on a warm interpreter", "run"),
        ("record the result", "result"),
        ("alerts", "alerts"),
    )

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}
        self.active = False
        self._in_intent = False

    def wrap(self, obj: object, name: str, label: str) -> None:
        inner = getattr(obj, name)
        main = threading.main_thread()

        def timed(*args: object, **kwargs: object) -> object:
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                if self.active and threading.current_thread() is main:
                    ms = (time.perf_counter() - start) * 1000
                    self.times.setdefault(label, []).append(ms)

        setattr(obj, name, timed)

    def install(self, store: object) -> None:
        import airlock.analyzer
        import airlock.executor
        from airlock.audit import pipeline
        from airlock.audit.store import Store

        airlock.executor.run  # noqa: B018  (resolved once, so the pipeline finds the wrapper)
        self.wrap(airlock.analyzer, "scan", "scan")
        self.wrap(airlock.executor, "run", "run")
        self.wrap(Store, "add_execution", "result")
        self.wrap(pipeline, "raise_alerts", "alerts")
        record = Store.record

        def intent(store_: Store, **kwargs: object) -> object:
            self._in_intent = bool(kwargs.get("intent"))
            try:
                start = time.perf_counter()
                return record(store_, **kwargs)  # type: ignore[arg-type]
            finally:
                if self.active and self._in_intent:
                    ms = (time.perf_counter() - start) * 1000
                    self.times.setdefault("intent", []).append(ms)
                self._in_intent = False

        Store.record = intent  # type: ignore[method-assign]
        dialect = store.engine.dialect  # type: ignore[attr-defined]
        commit = dialect.do_commit

        def timed_commit(conn: object) -> None:
            start = time.perf_counter()
            try:
                commit(conn)
            finally:
                if self.active and self._in_intent:
                    ms = (time.perf_counter() - start) * 1000
                    self.times.setdefault("intent commit", []).append(ms)

        dialect.do_commit = timed_commit

    def report(self, whole: list[float]) -> None:
        self.times[""] = whole
        print(f"\nwarm guard() by part (p50 ms, {len(whole)} calls, this thread):")
        for label, key in self.NAMES:
            values = self.times.get(key or "", [])
            if values:
                print(f"  {label:<34}{statistics.median(values):>8.2f}")


def warm_series(runs: int, *, parts: bool) -> None:
    """run() and guard() of plain code with $AIRLOCK_WARM=2, against bare interpreter starts
    interleaved in the same rounds. Before every timed call the pool is full again: the
    refill that the previous call caused is untimed and over, so no call (bare or warm)
    competes with an earlier call's background start-up. The call's own hand-back and its
    replacement's start come after its timer stops (guard hands back at its end)."""
    import os

    from airlock.audit import Store, guard
    from airlock.executor import run, warm

    os.environ["AIRLOCK_WARM"] = "2"
    pool = warm.pool()
    assert pool is not None

    def full() -> None:
        deadline = time.perf_counter() + 120
        while pool.ready() < pool.size and not pool.failed and time.perf_counter() < deadline:
            time.sleep(0.01)

    full()
    memory, count = pool.memory_mb(), pool.ready()
    has_pandas = importlib.util.find_spec("pandas") is not None
    with tempfile.TemporaryDirectory() as tmp:
        seed = Path(tmp) / "seed.py"
        seed.write_text(SEED)
        store = Store(str(Path(tmp) / "warm.db"))
        split = Parts() if parts else None
        if split is not None:
            split.install(store)
        guard("print(1)", store=store)  # the store's first write creates its tables' pages
        full()

        def bare(*argv: str) -> Callable[[], object]:
            return lambda: subprocess.run([sys.executable, *argv], capture_output=True, check=True)

        calls: dict[str, Callable[[], object]] = {
            "bare python -c pass": bare("-c", "pass"),
            "run() print(1)": lambda: run("print(1)"),
            "guard() print(1)": lambda: guard("print(1)", store=store).result,
        }
        if has_pandas:
            calls["bare python seed.py"] = bare(str(seed))
            calls["run() pandas job"] = lambda: run(SEED)
        series: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(runs):
            for name, call in calls.items():
                full()
                if split is not None:
                    split.active = name == "guard() print(1)"
                start = time.perf_counter()
                r = call()
                series[name].append((time.perf_counter() - start) * 1000)
                if split is not None:
                    split.active = False
                if name.startswith("bare"):
                    continue
                if r is None or r.exit_code != 0 or r.timing.get("warm") != 1.0:  # type: ignore[attr-defined]
                    raise RuntimeError(f"{name}: not a warm run ({r and r.stderr[-300:]})")  # type: ignore[attr-defined]
        store.close()
    warm.shutdown()
    print(f"\nwarm pool (AIRLOCK_WARM=2, modules: {', '.join(pool.modules) or 'none'})")
    print(f"pool memory: {memory:.1f} MB resident for {count} ready interpreters")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}")
    print(f"{'series':<28}{'p50 ms':>9}{'p95 ms':>9}")
    for name, values in series.items():
        print(f"{name:<28}{statistics.median(values):>9.2f}{p95(values):>9.2f}")
    base = statistics.median(series["bare python -c pass"])
    rows = [
        ("run() print(1)", base, None, "bare python -c pass"),
        ("guard() print(1)", base, 0.5, "bare python -c pass"),
    ]
    if has_pandas:
        rows.append(
            (
                "run() pandas job",
                statistics.median(series["bare python seed.py"]),
                0.1,
                "bare python seed.py",
            )
        )
    for name, against, target, label in rows:
        ratio = statistics.median(series[name]) / against
        verdict = (
            ""
            if target is None
            else ("  (meets" if ratio <= target else "  (MISSES") + f" {target}x)"
        )
        print(f"ratio {name} / {label}: p50 {ratio:.3f}x{verdict}")
    if split is not None:
        split.report(series["guard() print(1)"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed calls per series")
    parser.add_argument("--sessions", type=int, default=20, help="concurrent sessions")
    parser.add_argument(
        "--parts", action="store_true", help="also time each part of the warm guard()"
    )
    args = parser.parse_args()
    if args.runs < 1 or args.sessions < 0:
        parser.error("--runs must be at least 1 and --sessions not negative")

    from airlock.audit import Store, guard
    from airlock.executor import Limits, Session, probe_layers

    print("layers:", "; ".join(str(layer) for layer in probe_layers()))
    has_pandas = importlib.util.find_spec("pandas") is not None
    with tempfile.TemporaryDirectory() as tmp:
        seed = Path(tmp) / "seed.py"
        seed.write_text(SEED)
        store = Store(str(Path(tmp) / "bench.db"))
        plain = Session(limits=Limits(timeout_s=60, memory_mb=1024))
        data = Session(limits=Limits(timeout_s=60, memory_mb=1024)) if has_pandas else None
        guarded = Session(limits=Limits(timeout_s=60))
        try:

            def bare(*argv: str) -> Callable[[], object]:
                return lambda: subprocess.run(
                    [sys.executable, *argv], capture_output=True, check=True
                )

            def guarded_call() -> object:
                res = guard("print(1)", store=store, session=guarded)
                if res.decision != "ran" or res.result is None or res.result.stdout != "1\n":
                    raise RuntimeError(f"guard failed: {res.error}")
                return res

            series = {
                "bare python -c pass": bare("-c", "pass"),
                "session print(1)": checked(plain, "print(1)", "1"),
                "guard print(1) (session)": guarded_call,
            }
            if data is not None:
                data.run("import pandas as pd")
                series["bare python seed.py"] = bare(str(seed))
                series["session pandas job"] = checked(data, SEED, "mean")
            times = measure(series, args.runs)
        finally:
            for s in (plain, data, guarded):
                if s is not None:
                    s.close()
            store.close()
    print(f"\n{'series':<28}{'p50 ms':>9}{'p95 ms':>9}")
    for name, values in times.items():
        print(f"{name:<28}{statistics.median(values):>9.2f}{p95(values):>9.2f}")
    base = statistics.median(times["bare python -c pass"])
    rows = [
        ("session print(1)", base, 0.2, "bare python -c pass"),
        ("guard print(1) (session)", base, 0.5, "bare python -c pass"),
    ]
    if "bare python seed.py" in times:
        rows.append(
            (
                "session pandas job",
                statistics.median(times["bare python seed.py"]),
                0.1,
                "bare python seed.py",
            )
        )
    for name, against, target, label in rows:
        ratio = statistics.median(times[name]) / against
        verdict = "meets" if ratio <= target else "MISSES"
        print(f"ratio {name} / {label}: p50 {ratio:.3f}x  ({verdict} {target}x)")
    if not has_pandas:
        print(
            "pandas is not installed: the pandas rows are left out (pip install 'airlock[runtime]')"
        )
    warm_series(args.runs, parts=args.parts)
    if args.sessions:
        concurrent(args.sessions)


if __name__ == "__main__":
    main()
