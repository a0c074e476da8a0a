"""Verdicts on the public corpus (benchmarks/public_corpus.py) for Airlock and bandit, same run.

For each label it prints the share of snippets Airlock blocks, allows and flags (review or
block), beside bandit read two ways: **HIGH→block** (a HIGH-severity finding blocks, a
MEDIUM one reviews, LOW allows) and **any→block** (any finding blocks). A file bandit cannot
parse counts as allowed by bandit. The targets the figures are read against: malicious
blocked, benign allowed, risky flagged.

    .venv/bin/python benchmarks/public_corpus_measure.py --part dev
    .venv/bin/python benchmarks/public_corpus_measure.py --part heldout --misses
    .venv/bin/python benchmarks/public_corpus_measure.py --part fresh --misses
    .venv/bin/python benchmarks/public_corpus_measure.py --part fresh2 --misses
    .venv/bin/python benchmarks/public_corpus_measure.py --part fresh3 --misses
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "artifacts" / "public_corpus"
LABELS = ("malicious", "benign", "risky")


def airlock_verdicts(files: list[Path]) -> dict[Path, str]:
    from airlock.analyzer.scan import scan

    return {p: scan(p.read_bytes(), filename=p.name).verdict.value for p in files}


def bandit_severities(folder: Path) -> dict[str, set[str]]:
    """Severities bandit reports per file (`bandit -r`, one process, `# nosec` ignored)."""
    bandit = Path(sys.executable).with_name("bandit")
    proc = subprocess.run(
        [str(bandit), "-r", str(folder), "-f", "json", "-q", "--ignore-nosec"],
        capture_output=True,
        text=True,
        check=False,
    )
    data = json.loads(proc.stdout or "{}")
    out: dict[str, set[str]] = {}
    for r in data.get("results", []):
        out.setdefault(str(Path(r["filename"]).resolve()), set()).add(r["issue_severity"])
    return out


def bandit_verdict(sevs: set[str], mode: str) -> str:
    if not sevs:
        return "allow"
    if mode == "any":
        return "block"
    return "block" if "HIGH" in sevs else "review" if "MEDIUM" in sevs else "allow"


ORDER = {"allow": 0, "review": 1, "block": 2}


def units(base: Path) -> dict[str, dict[Path, list[Path]]]:
    """Per label, the units judged: each snippet alone, each package with all its files."""
    out = {lb: {p: [p] for p in sorted((base / lb).glob("*.py"))} for lb in LABELS}
    pkgs = base / "packages"
    out["packages"] = (
        {d: sorted(d.rglob("*.py")) for d in sorted(pkgs.iterdir()) if d.is_dir()}
        if pkgs.is_dir()
        else {}
    )
    return out


def worst(verdicts: list[str]) -> str:
    return max(verdicts, key=ORDER.__getitem__, default="allow")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--part", choices=("dev", "heldout", "fresh", "fresh2", "fresh3"), default="dev"
    )
    ap.add_argument("--misses", action="store_true", help="list the units Airlock gets wrong")
    args = ap.parse_args()
    base = CORPUS / args.part
    if not base.is_dir():
        print(f"no corpus at {base}: run benchmarks/public_corpus.py first", file=sys.stderr)
        return 2
    judged = units(base)
    every = [f for lb in judged for fs in judged[lb].values() for f in fs]
    ours = airlock_verdicts(every)
    sevs = bandit_severities(base)

    def verdict(files: list[Path], who: str) -> str:
        if who == "airlock":
            return worst([ours[f] for f in files])
        return worst([bandit_verdict(sevs.get(str(f.resolve()), set()), who) for f in files])

    print(f"part: {args.part}")
    print(
        f"{'label':10} {'n':>4}  {'measure':16} {'Airlock':>8} {'bandit HIGH':>12} {'bandit any':>11}"
    )
    want = {"malicious": "blocked", "packages": "blocked", "benign": "allowed", "risky": "flagged"}
    for lb in (*LABELS, "packages"):
        group = judged[lb]
        n = len(group)
        if not n:
            continue
        rows = {"blocked": "block", "allowed": "allow", "flagged": "flag"}
        counts = {
            who: Counter(verdict(fs, who) for fs in group.values())
            for who in ("airlock", "high", "any")
        }
        for measure, key in rows.items():

            def share(c: Counter[str], key: str = key, n: int = n) -> float:
                hit = c["review"] + c["block"] if key == "flag" else c[key]
                return 100.0 * hit / n

            mark = "*" if measure == want[lb] else " "
            print(
                f"{lb:10} {n:4}  {mark}{measure:15} {share(counts['airlock']):7.1f}% "
                f"{share(counts['high']):11.1f}% {share(counts['any']):10.1f}%"
            )
    if args.misses:
        print("\nAirlock misses (* rows):")
        for lb in (*LABELS, "packages"):
            for unit, fs in judged[lb].items():
                v = verdict(fs, "airlock")
                wrong = (
                    (lb in ("malicious", "packages") and v != "block")
                    or (lb == "benign" and v != "allow")
                    or (lb == "risky" and v == "allow")
                )
                if wrong:
                    print(f"  {lb:9} {v:6} {unit.relative_to(CORPUS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
