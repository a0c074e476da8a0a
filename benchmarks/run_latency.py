"""Executor latency: p50/p95 of `executor.run` against a bare interpreter start, same run.

Measures `executor.run("pass")` and a small pandas-free data task (parse a CSV string with
csv, summarise it with statistics) against `subprocess.run([sys.executable, "-c", ...])`
of the same code, interleaved round by round so machine noise hits every series alike,
and prints the ratios (target: full stack <= 1.1x a bare start as root, <= 1.5x as an
ordinary user), and, where a cgroup v1 cpuacct hierarchy is writable, the CPU each call
costs (this process and every descendant, background work included), which a loaded
machine inflates far less than wall time. Then what streaming the
output to on_stdout/on_stderr callbacks adds per run, and what an egress allow-list
(`network="allow:…"`: the proxy's listener and its thread) adds. Then the same ratio for
each way of starting a run's helper (default, each spawner forced, standbys off), each
block against its own bare series. Then each layer's own
cost: the same run with that one layer disabled through `SandboxPolicy(disabled=...)`
(and `allow_degraded=True`), reported as full-stack median minus that median. Finally
the executor's own breakdown (prepare, run, collect, cleanup) from `ExecutionResult.timing`.

    python benchmarks/run_latency.py [--runs 30]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

DATA_TASK = """\
import csv, io, statistics
text = "city,temp\\n" + "\\n".join(f"c{i % 7},{(i * 37) % 41 - 5}" for i in range(2000))
rows = list(csv.DictReader(io.StringIO(text)))
by_city = {}
for row in rows:
    by_city.setdefault(row["city"], []).append(float(row["temp"]))
for city, temps in sorted(by_city.items()):
    print(city, round(statistics.mean(temps), 2), statistics.median(temps), round(statistics.pstdev(temps), 2))
"""


LIVE_TASK = (
    "import sys\nfor i in range(20):\n    print(i, flush=True)\n    sys.stderr.write('e\\n')\n"
)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def bare(code: str, *flags: str) -> Callable[[], object]:
    def call() -> object:
        return subprocess.run([sys.executable, *flags, "-c", code], capture_output=True, check=True)

    return call


def confined(
    code: str, disabled: frozenset[str] = frozenset(), live: bool = False, network: str = "none"
) -> Callable[[], object]:
    from airlock.executor import DEFAULT_REQUIRED, Limits, SandboxPolicy, run

    policy = SandboxPolicy(required=DEFAULT_REQUIRED - disabled, disabled=disabled)
    sink: list[bytes] = []
    streams = {"on_stdout": sink.append, "on_stderr": sink.append} if live else {}

    def call() -> object:
        sink.clear()
        limits = Limits(network=network)
        result = run(code, limits=limits, policy=policy, allow_degraded=True, **streams)
        if result.exit_code != 0:
            raise RuntimeError(f"run failed: {result.killed_reason or result.stderr[-500:]}")
        return result

    return call


# How the helper is started: the default (auto: forked from this small caller, or a standby
# already in the slot's cgroups from the second run on), each spawner forced, and standbys off.
PATHS = {
    "default": {},
    "spawner=fork": {"AIRLOCK_SPAWNER": "fork"},
    "spawner=zygote": {"AIRLOCK_SPAWNER": "zygote"},
    "no standby": {"AIRLOCK_STANDBY": "0"},
}


@contextlib.contextmanager
def environ(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def measure(series: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    """Interleaved timings in milliseconds (one warm-up call each first)."""
    for fn in series.values():
        fn()
    out: dict[str, list[float]] = {name: [] for name in series}
    for _ in range(runs):
        for name, fn in series.items():
            start = time.perf_counter()
            fn()
            out[name].append((time.perf_counter() - start) * 1000)
    return out


CPUACCT = "/sys/fs/cgroup/cpuacct"


@contextlib.contextmanager
def cpu_accounting() -> Iterator[Callable[[], int] | None]:
    """A cpuacct cgroup holding this process and every process it starts from here on (the
    spawner, standbys, helpers, programs): yields a reader of their CPU nanoseconds, or None
    where no cgroup can be made. On exit every process left in it moves back to the root."""
    group = os.path.join(CPUACCT, f"airlock-bench-{os.getpid()}")
    try:
        os.makedirs(group, exist_ok=True)
        with open(os.path.join(group, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
    except OSError:
        yield None
        return

    def used() -> int:
        with open(os.path.join(group, "cpuacct.usage")) as f:
            return int(f.read())

    try:
        yield used
    finally:
        for _ in range(20):  # processes exiting (or forked meanwhile) may hold it a moment
            with contextlib.suppress(OSError):
                with open(os.path.join(group, "cgroup.procs")) as f:
                    pids = f.read().split()
                for pid in pids:
                    with contextlib.suppress(OSError), open(f"{CPUACCT}/cgroup.procs", "w") as f:
                        f.write(pid)
                os.rmdir(group)
                break
            time.sleep(0.05)


def cpu_per_call(
    used: Callable[[], int], series: dict[str, Callable[[], object]], runs: int
) -> dict[str, float]:
    """CPU milliseconds per call of each series, in alternating blocks (each block's
    background work, standbys joining or sessions ending, counted with it)."""
    totals = dict.fromkeys(series, 0)
    for _ in range(2):
        for name, fn in series.items():
            time.sleep(0.2)
            start = used()
            for _ in range(runs):
                fn()
            time.sleep(0.2)  # what the block left running in the background
            totals[name] += used() - start
    return {name: total / (2 * runs) / 1e6 for name, total in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed calls per series")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    with cpu_accounting() as used:
        _measure(args.runs, used)


def _measure(runs: int, used: Callable[[], int] | None) -> None:

    from airlock.executor import LAYERS, probe_layers, run

    print("layers:", "; ".join(str(layer) for layer in probe_layers()))
    series = {
        "bare  pass": bare("pass"),
        "bare -I -S pass": bare("pass", "-I", "-S"),
        "executor pass": confined("pass"),
        "bare  csv task": bare(DATA_TASK),
        "executor csv task": confined(DATA_TASK),
    }
    times = measure(series, runs)
    print(f"\n{'series':<22}{'p50 ms':>9}{'p95 ms':>9}")
    for name, values in times.items():
        print(f"{name:<22}{statistics.median(values):>9.1f}{p95(values):>9.1f}")
    target = 1.1 if os.geteuid() == 0 else 1.5
    for task in ("pass", "csv task"):
        ratio50 = statistics.median(times[f"executor {task}"]) / statistics.median(
            times[f"bare  {task}"]
        )
        ratio95 = p95(times[f"executor {task}"]) / p95(times[f"bare  {task}"])
        verdict = "meets" if ratio50 <= target else "MISSES"
        print(
            f"ratio executor/bare ({task}): p50 {ratio50:.2f}x, p95 {ratio95:.2f}x  "
            f"({verdict} {target}x)"
        )
    if used is not None:
        cpu = cpu_per_call(used, {"bare": bare("pass"), "executor": confined("pass")}, runs)
        print(
            f"CPU per call (pass): bare {cpu['bare']:.1f} ms, executor {cpu['executor']:.1f} ms, "
            f"ratio {cpu['executor'] / cpu['bare']:.2f}x"
        )

    live = measure(
        {"buffered": confined(LIVE_TASK), "streamed": confined(LIVE_TASK, live=True)}, runs
    )
    b, e = (statistics.median(live[k]) for k in ("buffered", "streamed"))
    print(
        f"\nstreaming (on_stdout/on_stderr, 20 lines): p50 {e - b:+.2f} ms per run (target <= 1 ms)"
    )

    egress = measure(
        {
            "bare": bare("pass"),
            "none": confined("pass"),
            "allow-list": confined("pass", network="allow:example.com"),
        },
        runs,
    )
    b, n, a = (statistics.median(egress[k]) for k in ("bare", "none", "allow-list"))
    print(
        f"egress allow-list: p50 {a - n:+.2f} ms per run "
        f"(pass: none {n / b:.2f}x, allow-list {a / b:.2f}x a bare start)"
    )

    print(f"\n{'helper start path':<20}{'bare p50':>10}{'executor p50':>14}{'ratio':>8}")
    for name, values in PATHS.items():
        with environ(values):
            path_times = measure({"bare": bare("pass"), "executor": confined("pass")}, runs)
        b, e = (statistics.median(path_times[k]) for k in ("bare", "executor"))
        print(f"{name:<20}{b:>10.1f}{e:>14.1f}{e / b:>7.2f}x")

    layer_series = {"all layers": confined("pass")}
    layer_series |= {f"without {name}": confined("pass", frozenset({name})) for name in LAYERS}
    layer_times = measure(layer_series, runs)
    full = statistics.median(layer_times["all layers"])
    print(f"\n{'layer':<14}{'cost ms (p50 all - p50 without)':>34}")
    for name in LAYERS:
        cost = full - statistics.median(layer_times[f"without {name}"])
        print(f"{name:<14}{cost:>34.2f}")

    breakdown: dict[str, list[float]] = {}
    for _ in range(runs):
        for key, value in run("pass").timing.items():
            breakdown.setdefault(key, []).append(float(value))
    print("\nexecutor.run('pass') breakdown (ms, p50):")
    for key, values in breakdown.items():
        print(f"  {key:<10}{statistics.median(values):>8.2f}")


if __name__ == "__main__":
    main()
