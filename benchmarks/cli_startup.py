"""Cold start of the `airlock` command against `bandit` on the same file, same run.

Each command is a fresh process, started the way a pre-commit hook or a CI step starts
it; the series are interleaved round by round so that machine noise hits all of them
alike. Medians of `--runs` rounds (at least 10). Targets, as ratios to `bandit one.py`:

- `airlock --help`                       <= 1.0x
- `airlock scan one.py`                  <= 2.0x
- `airlock run one.py` (screen, run confined, record into a SQLite file) <= 3.5x

    python benchmarks/cli_startup.py [--runs 15] [--cold-cache]

The rule-set cache is warmed by one untimed scan first (as every later invocation on a
machine finds it); `--cold-cache` points the cache at an empty folder for every round.
Airlock's own modules are byte-compiled first, as `pip install` does for an installed
package (an editable install under PYTHONDONTWRITEBYTECODE would otherwise recompile
them in every process). Two reference rows have no target: a bare interpreter, and the
import floor of a scan (`import libcst, bandit`: the two parsers every scan must load).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ONE = "import json\n\ndata = json.loads('[1, 2, 3]')\nprint(sum(data))\n"
TARGETS = {"airlock --help": 1.0, "airlock scan one.py": 2.0, "airlock run one.py": 3.5}


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # bandit and airlock scan exit 1 on a finding
        sys.exit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode()[-400:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--cold-cache", action="store_true", help="an empty rule-set cache per round"
    )
    args = parser.parse_args()
    runs = max(10, args.runs)
    bindir = Path(sys.executable).parent
    airlock, bandit = str(bindir / "airlock"), str(bindir / "bandit")
    for exe in (airlock, bandit):
        if not os.access(exe, os.X_OK):
            sys.exit(f"{exe} is missing: run from the project's venv (make setup)")
    work = Path(tempfile.mkdtemp(prefix="airlock-startup-"))
    try:
        (work / "one.py").write_text(ONE, encoding="utf-8")
        cache = work / "cache"
        env = dict(os.environ, AIRLOCK_CACHE_DIR=str(cache), NO_COLOR="1")
        env.pop("AIRLOCK_DB", None)
        db = work / "runs.db"
        commands = {
            "bandit one.py": [bandit, "-q", "one.py"],
            "airlock --help": [airlock, "--help"],
            "airlock scan one.py": [airlock, "scan", "one.py"],
            "airlock run one.py": [airlock, "run", "one.py", "--db", str(db)],
        }
        _byte_compile()
        floor = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "import libcst, bandit": [sys.executable, "-c", "import libcst, bandit"],
        }
        commands = {**commands, **floor}
        for argv in commands.values():  # warm the page cache, the rule-set cache, the store
            timed(argv, env, work)
        times: dict[str, list[float]] = {k: [] for k in commands}
        for _ in range(runs):
            for name, argv in commands.items():
                if args.cold_cache:
                    shutil.rmtree(cache, ignore_errors=True)
                times[name].append(timed(argv, env, work))
        base = statistics.median(times["bandit one.py"])
        print(f"cold start, medians of {runs} interleaved rounds (s); baseline: bandit one.py")
        print(f"  {'bandit one.py':<22} {base:7.3f}  1.00x")
        for name in floor:
            med = statistics.median(times[name])
            print(f"  {name:<22} {med:7.3f}  {med / base:4.2f}x  (reference, no target)")
        ok = True
        for name, target in TARGETS.items():
            med = statistics.median(times[name])
            ratio = med / base
            ok &= ratio <= target
            mark = "ok" if ratio <= target else "OVER"
            print(f"  {name:<22} {med:7.3f}  {ratio:4.2f}x  (target <= {target:.1f}x: {mark})")
        print("all under target" if ok else "some over target")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _byte_compile() -> None:
    """Compile Airlock's modules where they are installed, as pip does on install."""
    import compileall
    import importlib.util

    for name in ("airlock", "airlock.analyzer", "airlock.executor", "airlock.audit"):
        spec = importlib.util.find_spec(name)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            compileall.compile_dir(folder, quiet=1)


if __name__ == "__main__":
    main()
