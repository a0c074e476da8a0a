"""Verdicts on `tests/corpus` match the recorded snapshot (`corpus_verdicts.json`).

The snapshot holds, per snippet and shipped rule set, the verdict, the score and the
active rule ids. A refactor must leave it unchanged; a deliberate change of the rules
or the engine regenerates it (`python tests/analyzer/test_corpus_snapshot.py`) and the
diff shows, snippet by snippet, what moved.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from airlock.analyzer.scan import scan

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SNAPSHOT = Path(__file__).with_name("corpus_verdicts.json")
RULESETS = ("default", "strict")


def observe(path: Path, ruleset: str) -> dict[str, object]:
    """What the analyzer says of one snippet under one rule set."""
    r = scan(path.read_bytes(), ruleset=ruleset, filename=path.name)
    rules = sorted({f.rule_id for f in r.active_findings})
    return {"verdict": r.verdict.value, "score": r.score, "rules": rules}


def current() -> dict[str, dict[str, object]]:
    return {
        p.relative_to(CORPUS).as_posix(): {rs: observe(p, rs) for rs in RULESETS}
        for p in sorted(CORPUS.rglob("*.py"))
    }


@pytest.fixture(scope="module")
def recorded() -> dict[str, dict[str, object]]:
    return json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_snapshot_covers_the_corpus(recorded: dict[str, dict[str, object]]) -> None:
    on_disk = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.py")}
    assert set(recorded) == on_disk


@pytest.mark.parametrize("ruleset", RULESETS)
def test_verdicts_match_the_snapshot(recorded: dict[str, dict[str, object]], ruleset: str) -> None:
    moved = []
    for name, per_set in sorted(recorded.items()):
        now = observe(CORPUS / name, ruleset)
        if now != per_set[ruleset]:
            moved.append(f"{name}: recorded {per_set[ruleset]}, now {now}")
    assert not moved, "\n".join(moved)


def test_a_changed_verdict_is_caught(recorded: dict[str, dict[str, object]]) -> None:
    """Negative control: a snapshot entry that disagrees with the analyzer is reported."""
    name = next(n for n, v in sorted(recorded.items()) if v["default"]["verdict"] == "block")
    assert observe(CORPUS / name, "default") != {**recorded[name]["default"], "verdict": "allow"}


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(current(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    sys.exit(0)
