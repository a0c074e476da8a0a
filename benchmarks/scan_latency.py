"""Gate latency: p50/p95 of `analyzer.scan` on 20-100-line agent-style snippets, warm process.

Also breaks one scan down into its parts (decode + parse, Airlock's rules, bandit's
checks), states the parse floor against the targets (p95 <= 5 ms at 20 lines, <= 20 ms
at 100 lines: what share of each the parse, and libcst's alone, takes before a rule
runs), and compares the in-process bandit bridge with bandit's own manager on a
1,000-line file.

    python benchmarks/scan_latency.py [--runs 300] [--ruleset default]
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from typing import Any

TARGETS_P95_MS = {20: 5.0, 100: 20.0}  # issue 12

BLOCKS = [
    'import csv\nimport json\nfrom pathlib import Path\n\nrows = []\nwith open("data.csv", newline="") as f:\n'
    "    for row in csv.DictReader(f):\n        rows.append({k: v.strip() for k, v in row.items()})\n",
    'def summarize(rows):\n    """Totals per category."""\n    totals = {}\n    for row in rows:\n'
    '        key = row.get("category", "other")\n        totals[key] = totals.get(key, 0) + float(row["amount"])\n'
    "    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))\n",
    'import os\nimport urllib.request\n\ntoken = os.environ.get("API_TOKEN", "")\n'
    'req = urllib.request.Request("https://api.example.com/v1/items", headers={"Authorization": token})\n'
    "with urllib.request.urlopen(req, timeout=10) as resp:\n    items = json.loads(resp.read())\n",
    'import subprocess\n\nresult = subprocess.run(["git", "status", "--short"], capture_output=True, text=True)\n'
    "changed = [line[3:] for line in result.stdout.splitlines()]\n",
    "import re\nfrom dataclasses import dataclass\n\n\n@dataclass\nclass Item:\n    name: str\n    price: float\n\n"
    "    def slug(self) -> str:\n        return re.sub(r'[^a-z0-9]+', '-', self.name.lower()).strip('-')\n",
    'out = Path("report.json")\nout.write_text(json.dumps(summarize(rows), indent=2))\nprint(f"wrote {out}")\n',
    "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n\n"
    "print([fib(i) for i in range(20)])\n",
    'import base64, hashlib\n\ndigest = hashlib.md5(open("data.csv", "rb").read()).hexdigest()\n'
    "encoded = base64.b64encode(digest.encode()).decode()\nprint(encoded)\n",
]


def snippet(lines: int) -> str:
    """Agent-style code of exactly `lines` lines: whole blocks, then simple statements."""
    out: list[str] = []
    i = 0
    while len(out) + len(BLOCKS[i % len(BLOCKS)].splitlines()) <= lines:
        out.extend(BLOCKS[i % len(BLOCKS)].splitlines())
        i += 1
    out.extend(f'print("step", {n})' for n in range(lines - len(out)))
    return "\n".join(out) + "\n"


def timings(
    fn: Callable[[], Any], runs: int, clock: Callable[[], float] = time.perf_counter
) -> list[float]:
    """Sorted milliseconds of `runs` calls after one warm-up call, on `clock`."""
    fn()
    out = []
    for _ in range(runs):
        start = clock()
        fn()
        out.append((clock() - start) * 1e3)
    return sorted(out)


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--ruleset", default="default")
    args = parser.parse_args()

    from airlock.analyzer import load_ruleset, scan
    from airlock.analyzer.bandit_bridge import bandit_findings

    ruleset = load_ruleset(args.ruleset)
    print(f"analyzer.scan, warm process, {args.runs} runs each (ms; cpu = this process's CPU time)")
    print(f"{'lines':>6} {'p50':>8} {'p95':>8} {'max':>8} {'cpu p50':>8} {'cpu p95':>8}   verdict")
    for lines in (20, 50, 100):
        source = snippet(lines)
        ms = timings(lambda s=source: scan(s, ruleset=ruleset), args.runs)
        cpu = timings(lambda s=source: scan(s, ruleset=ruleset), args.runs, time.process_time)
        verdict = scan(source, ruleset=ruleset).verdict.value
        print(
            f"{lines:>6} {pct(ms, 0.5):8.2f} {pct(ms, 0.95):8.2f} {ms[-1]:8.2f} "
            f"{pct(cpu, 0.5):8.2f} {pct(cpu, 0.95):8.2f}   {verdict}"
        )

    print("\nbreakdown, CPU p50 ms (parse = decode + ast + libcst; rules = Airlock's matchers)")
    try:
        from airlock.analyzer.parse import decode, parse
        from airlock.analyzer.scan import _analyse
    except ImportError as exc:
        print(f"  (engine internals not available: {exc})")
    else:
        import libcst

        compiled = ruleset.compiled()
        floors = []
        for lines in (20, 100):
            source = snippet(lines)
            parsed = parse(decode(source))
            cpu = time.process_time
            parts = {
                "parse": timings(lambda s=source: parse(decode(s)), args.runs, cpu),
                "rules": timings(lambda p=parsed: _analyse(p, compiled), args.runs, cpu),
                "bandit": timings(lambda s=source: bandit_findings(s), args.runs, cpu),
                "total": timings(lambda s=source: scan(s, ruleset=ruleset), args.runs, cpu),
            }
            only_cst = timings(lambda s=source: libcst.parse_module(s), args.runs, cpu)
            print(
                f"  {lines:>3} lines: "
                + "  ".join(f"{k} {pct(v, 0.5):.2f}" for k, v in parts.items())
                + f"  (of parse: libcst {pct(only_cst, 0.5):.2f})"
            )
            floors.append((lines, parts["parse"], only_cst))
        # Reference, no target: what parsing alone leaves of each p95 target.
        print("parse floor against the p95 targets (CPU p95; reference, no target)")
        for lines, whole, only_cst in floors:
            target = TARGETS_P95_MS[lines]
            print(
                f"  {lines:>3} lines, target {target:g} ms: parse {pct(whole, 0.95):.2f} ms "
                f"= {pct(whole, 0.95) / target:.0%} of it, libcst.parse_module alone "
                f"{pct(only_cst, 0.95):.2f} ms = {pct(only_cst, 0.95) / target:.0%}"
            )

    source = snippet(1000)
    bridge = timings(lambda: bandit_findings(source), 10, time.process_time)
    manager = timings(lambda: _bandit_manager(source), 10, time.process_time)
    print(
        f"\nbandit on 1,000 lines, CPU p50 ms: in-process bridge {pct(bridge, 0.5):.1f}, "
        f"bandit's own manager {pct(manager, 0.5):.1f}"
    )


def _bandit_manager(source: str) -> None:
    """bandit's normal manager on one file-like source (the baseline for the bridge)."""
    import io

    from bandit.core import config, manager

    logging.getLogger("bandit").setLevel(logging.CRITICAL + 1)
    mgr = manager.BanditManager(config.BanditConfig(), "file", quiet=True, ignore_nosec=True)
    mgr._parse_file("snippet.py", io.BytesIO(source.encode()), ["snippet.py"])


if __name__ == "__main__":
    main()
