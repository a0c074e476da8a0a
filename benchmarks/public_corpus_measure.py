"""Verdicts on the public corpus (benchmarks/public_corpus.py) for Airlock and bandit, same run.

For each label it prints the share of snippets Airlock blocks, allows and flags (review or
block), beside bandit read two ways: **HIGH→block** (a HIGH-severity finding blocks, a
MEDIUM one reviews, LOW allows) and **any→block** (any finding blocks). A file bandit cannot
parse counts as allowed by bandit. The targets the figures are read against: malicious
blocked, benign allowed, risky flagged.

    .venv/bin/python benchmarks/public_corpus_measure.py --part dev
    .venv/bin/python benchmarks/public_corpus_measure.py --part heldout --misses
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("dev", "heldout"), default="dev")
    ap.add_argument("--misses", action="store_true", help="list the files Airlock gets wrong")
    args = ap.parse_args()
    base = CORPUS / args.part
    if not base.is_dir():
        print(f"no corpus at {base}: run benchmarks/public_corpus.py first", file=sys.stderr)
        return 2
    files = {lb: sorted((base / lb).glob("*.py")) for lb in LABELS}
    every = [p for lb in LABELS for p in files[lb]]
    ours = airlock_verdicts(every)
    sevs = bandit_severities(base)
    print(f"part: {args.part}")
    print(
        f"{'label':10} {'n':>4}  {'measure':16} {'Airlock':>8} {'bandit HIGH':>12} {'bandit any':>11}"
    )
    for lb in LABELS:
        n = len(files[lb])
        if not n:
            continue
        rows = {"blocked": "block", "allowed": "allow", "flagged": "flag"}
        want = {"malicious": "blocked", "benign": "allowed", "risky": "flagged"}[lb]
        counts = {
            who: Counter(
                v
                for p in files[lb]
                for v in (
                    [ours[p]]
                    if who == "airlock"
                    else [bandit_verdict(sevs.get(str(p.resolve()), set()), who)]
                )
            )
            for who in ("airlock", "high", "any")
        }
        for measure, key in rows.items():

            def share(c: Counter[str], key: str = key, n: int = n) -> float:
                hit = c["review"] + c["block"] if key == "flag" else c[key]
                return 100.0 * hit / n

            mark = "*" if measure == want else " "
            print(
                f"{lb:10} {n:4}  {mark}{measure:15} {share(counts['airlock']):7.1f}% "
                f"{share(counts['high']):11.1f}% {share(counts['any']):10.1f}%"
            )
    if args.misses:
        print("\nAirlock misses (* rows):")
        for lb in LABELS:
            for p in files[lb]:
                v = ours[p]
                wrong = (
                    (lb == "malicious" and v != "block")
                    or (lb == "benign" and v != "allow")
                    or (lb == "risky" and v == "allow")
                )
                if wrong:
                    print(f"  {lb:9} {v:6} {p.relative_to(CORPUS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
