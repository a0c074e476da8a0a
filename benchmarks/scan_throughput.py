"""Whole-corpus throughput: `airlock scan`'s batch path versus bandit alone, same run.

The corpus is the Python standard library on this machine (site-packages left out).
Airlock does bandit's work plus its own rules on every core; bandit runs once with
its normal manager in this process (as `bandit -r` does, nosec not honoured, like
Airlock). Prints files/s, lines/s for each and the ratio. A reference row without a
target, the parse floor, puts the same files through decode + `ast.parse` +
`libcst.parse_module` only (one process, CPU time): the ratio Airlock would reach if
its rules and bandit's checks cost nothing, and the share of the target's CPU budget
the two parsers alone take.

    python benchmarks/scan_throughput.py                 # the whole standard library
    python benchmarks/scan_throughput.py --limit 200     # a quick run
    python benchmarks/scan_throughput.py --exclude-tests # without test packages
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sysconfig
import time
from pathlib import Path

TEST_DIRS = {"test", "tests", "idle_test", "unittest"}
SLOWEST = 5
TARGET = 1.5  # issue 12: Airlock's throughput at least 1.5x bandit alone's


def corpus(exclude_tests: bool, limit: int | None) -> list[str]:
    """The standard library's *.py files, sorted; site-packages is not the standard library."""
    from airlock.analyzer.batch import expand_paths

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = []
    for path in expand_paths([stdlib]):
        parts = set(Path(path).relative_to(stdlib).parts[:-1])
        if "site-packages" in parts or "dist-packages" in parts:
            continue
        if exclude_tests and parts & TEST_DIRS:
            continue
        files.append(path)
    return files[:limit] if limit else files


def count_lines(files: list[str]) -> int:
    total = 0
    for path in files:
        with open(path, "rb") as handle:
            total += handle.read().count(b"\n")
    return total


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the scan workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_airlock(
    files: list[str], ruleset: str, jobs: int | None
) -> tuple[float, float, dict[str, int], list[tuple[float, str]]]:
    """Wall and CPU seconds, verdict counts, and the slowest files (ms, path)."""
    from airlock.analyzer import load_ruleset
    from airlock.analyzer.batch import scan_files

    loaded = load_ruleset(ruleset)
    verdicts: dict[str, int] = {}
    durations: list[tuple[float, str]] = []
    started, cpu = time.perf_counter(), cpu_seconds()
    for path, report in scan_files(files, ruleset=loaded, workers=jobs):
        verdicts[report.verdict.value] = verdicts.get(report.verdict.value, 0) + 1
        durations.append((report.duration_ms, path))
    slowest = sorted(durations, reverse=True)[:SLOWEST]
    return time.perf_counter() - started, cpu_seconds() - cpu, verdicts, slowest


def run_bandit(files: list[str]) -> tuple[float, float, int]:
    logging.getLogger("bandit").setLevel(logging.CRITICAL + 1)
    from bandit.core import config, manager

    started, cpu = time.perf_counter(), cpu_seconds()
    mgr = manager.BanditManager(config.BanditConfig(), "file", quiet=True, ignore_nosec=True)
    mgr.files_list = list(files)
    mgr.run_tests()
    return time.perf_counter() - started, cpu_seconds() - cpu, len(mgr.get_issue_list())


def run_parse_floor(files: list[str]) -> float:
    """CPU seconds of decode + `ast.parse` + `libcst.parse_module` of every file, in this
    process: what every scan must pay before a rule runs. A file either parser rejects
    counts what was spent on it. The cyclic collector is off while it runs, as in
    Airlock's scan workers (`analyzer.batch`), so it does not charge the parsers for
    traversing the objects bandit's run left in this process."""
    import ast
    import gc

    import libcst

    from airlock.analyzer.parse import ParseFailure, decode
    from airlock.analyzer.recursion import deep_recursion

    sources = []
    for path in files:
        with open(path, "rb") as handle:
            sources.append(handle.read())
    enabled = gc.isenabled()
    gc.disable()
    try:
        cpu = cpu_seconds()
        with deep_recursion():
            for data in sources:
                try:
                    text = decode(data)
                    ast.parse(text)
                    libcst.parse_module(text)
                except (ParseFailure, SyntaxError, ValueError, RecursionError, MemoryError):
                    continue
                except Exception:  # libcst's native parser raises its own errors
                    continue
        return cpu_seconds() - cpu
    finally:
        if enabled:
            gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="scan only the first N files")
    parser.add_argument("--exclude-tests", action="store_true", help="leave out test packages")
    parser.add_argument("--jobs", type=int, default=None, help="Airlock workers (default: all)")
    parser.add_argument("--ruleset", default="default")
    parser.add_argument("--skip-bandit", action="store_true", help="time Airlock only")
    args = parser.parse_args()

    files = corpus(args.exclude_tests, args.limit)
    lines = count_lines(files)
    cores = args.jobs or os.cpu_count() or 1
    print(f"corpus: {len(files)} files, {lines} lines ({sysconfig.get_paths()['stdlib']})")

    airlock_s, airlock_cpu, verdicts, slowest = run_airlock(files, args.ruleset, args.jobs)
    print(
        f"airlock ({cores} workers): {airlock_s:7.2f} s  {len(files) / airlock_s:8.1f} files/s  "
        f"{lines / airlock_s:9.0f} lines/s  cpu {airlock_cpu:.1f} s  verdicts {verdicts}"
    )
    # One slow file is a tail no scheduling can hide: name the worst.
    print("  slowest: " + ", ".join(f"{Path(p).name} {ms / 1e3:.1f} s" for ms, p in slowest))
    if args.skip_bandit:
        return
    bandit_s, bandit_cpu, issues = run_bandit(files)
    print(
        f"bandit alone (1 process): {bandit_s:7.2f} s  {len(files) / bandit_s:8.1f} files/s  "
        f"{lines / bandit_s:9.0f} lines/s  cpu {bandit_cpu:.1f} s  issues {issues}"
    )
    print(f"ratio airlock/bandit throughput (wall clock): {bandit_s / airlock_s:.2f}x")
    # On a busy machine wall clock mostly measures the neighbours; CPU time does not.
    print(
        f"ratio on {cores} idle cores, from CPU time: {bandit_cpu / (airlock_cpu / cores):.2f}x "
        f"(airlock {lines / (airlock_cpu / cores):.0f} lines/s, bandit {lines / bandit_cpu:.0f})"
    )
    # Reference, no target: the parsers alone. Where this ratio is near the target, the
    # target sits at the floor of parsing every file with both parsers.
    parse_cpu = run_parse_floor(files)
    budget = bandit_cpu * cores / TARGET  # Airlock CPU seconds the target allows
    print(
        f"parse floor (decode + ast.parse + libcst.parse_module only, 1 process): "
        f"cpu {parse_cpu:.1f} s = {parse_cpu / bandit_cpu:.2f}x bandit's CPU, "
        f"{parse_cpu / airlock_cpu:.0%} of Airlock's"
    )
    print(
        f"  at most {bandit_cpu / (parse_cpu / cores):.2f}x on {cores} idle cores with zero-cost "
        f"rules and checks; the parse takes {parse_cpu / budget:.0%} of the CPU budget of the "
        f"{TARGET}x target ({budget:.1f} s) (reference, no target)"
    )


if __name__ == "__main__":
    main()
