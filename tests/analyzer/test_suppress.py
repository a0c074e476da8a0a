"""Suppressions: inline comments are findings by default; trusted code may honour them."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import RULES

from airlock.analyzer.models import Verdict
from airlock.analyzer.scan import scan
from airlock.analyzer.suppress import fingerprint, suppression_comments


@pytest.mark.parametrize(
    ("comment", "kind", "ids"),
    [
        ("# nosec", "nosec", set()),
        ("# nosec B602", "nosec", {"B602"}),
        ("# nosec: B602, B605", "nosec", {"B602", "B605"}),
        ("# nosemgrep", "nosemgrep", set()),
        ("# noqa: S602", "noqa", {"S602"}),
        ("# airlock: ignore[T-PROC-001, T-EXEC-001]", "airlock", {"T-PROC-001", "T-EXEC-001"}),
        ("# type: ignore  # NOSEC", "nosec", set()),
    ],
)
def test_comment_forms(comment: str, kind: str, ids: set[str]) -> None:
    [c] = suppression_comments(f"x = 1  {comment}\n")
    assert c.kind == kind and c.ids == ids and c.line == 1


@pytest.mark.parametrize(
    "source",
    [
        "x = '# nosec'\n",  # inside a string, not a comment
        "x = 1  # noqa: E501\n",  # not a security code
        "x = 1  # nosecurity concerns here\n",
        "x = 1\n",
    ],
)
def test_not_suppressions(source: str) -> None:
    assert suppression_comments(source) == []


def test_untrusted_nosec_is_a_finding_and_hides_nothing() -> None:
    report = scan("import os\nos.system('ls')  # nosec\n", ruleset=RULES)
    supp = [f for f in report.findings if f.rule_id == "AIR-SUPP-001"]
    assert len(supp) == 1 and supp[0].line == 2 and not supp[0].suppressed
    assert not any(f.suppressed for f in report.findings)
    assert report.verdict != Verdict.allow


def test_untrusted_suppression_on_a_finding_line_is_at_least_review() -> None:
    report = scan("import json\njson.loads(s)  # nosemgrep\n", ruleset=RULES)
    assert report.verdict == Verdict.allow  # nothing else on that line
    report = scan("p = '/root/.ssh/id_rsa'  # airlock: ignore[T-SECRET-001]\n", ruleset=RULES)
    assert report.verdict in (Verdict.review, Verdict.block)


def test_trusted_honours_airlock_ignore_and_nosec() -> None:
    src = (
        "import os\n"
        "os.system('ls')  # airlock: ignore[T-PROC-001]\n"
        "eval(x)  # nosec\n"
        "exec(x)  # airlock: ignore[T-OTHER]\n"
    )
    report = scan(src, ruleset=RULES, trusted=True)
    by_id = {(f.rule_id, f.line): f for f in report.findings}
    assert by_id[("T-PROC-001", 2)].suppressed and by_id[("T-PROC-001", 2)].suppression == "inline"
    assert not by_id[("T-EXEC-001", 3)].suppressed  # nosec only covers bandit ids
    assert not by_id[("T-EXEC-001", 4)].suppressed
    for f in report.findings:
        if f.origin == "bandit" and f.line == 3:
            assert f.suppressed
    assert not any(f.rule_id == "AIR-SUPP-001" for f in report.findings)
    # untrusted, the same source keeps everything live
    untrusted = scan(src, ruleset=RULES)
    assert not any(f.suppressed for f in untrusted.findings)
    assert untrusted.score >= report.score


def test_trusted_nosec_with_ids_only_covers_those_ids() -> None:
    src = "import subprocess\nsubprocess.call('ls', shell=True)  # nosec B602\n"
    report = scan(src, ruleset=RULES, trusted=True)
    for f in report.findings:
        if f.origin == "bandit" and f.line == 2:
            assert f.suppressed == (f.rule_id == "B602")


def test_policy_can_honour_inline_suppressions(tmp_path: Path) -> None:
    overlay = tmp_path / "trusted.yaml"
    overlay.write_text(f"extends: {RULES}\npolicy: {{honour_inline_suppressions: true}}\n")
    report = scan("import os\nos.system(x)  # airlock: ignore[T-PROC-001]\n", ruleset=overlay)
    assert all(f.suppressed for f in report.findings if f.rule_id == "T-PROC-001")
    # an explicit trusted=False wins over the policy
    report = scan(
        "import os\nos.system(x)  # airlock: ignore[T-PROC-001]\n", ruleset=overlay, trusted=False
    )
    assert not any(f.suppressed for f in report.findings)


def test_baseline_marks_accepted_findings(tmp_path: Path) -> None:
    src = "import os\nos.system('backup.sh')\n"
    first = scan(src, ruleset=RULES)
    accepted = [f.fingerprint for f in first.findings]
    (tmp_path / "baseline.yaml").write_text(
        "fingerprints:\n" + "".join(f"  - {x}\n" for x in accepted)
    )
    overlay = tmp_path / "with-baseline.yaml"
    overlay.write_text(f"extends: {RULES}\nbaseline: baseline.yaml\n")
    shifted = "# a new comment shifts every line\n\n" + src
    report = scan(shifted, ruleset=overlay)
    assert report.findings and all(
        f.suppressed and f.suppression == "baseline" for f in report.findings
    )
    assert report.verdict == Verdict.allow and report.score == 0
    changed = scan("import os\nos.system('rm -rf /')\n", ruleset=overlay)
    assert any(not f.suppressed for f in changed.findings)


def test_fingerprint_ignores_whitespace_and_line() -> None:
    assert fingerprint("R", "os.system( x )") == fingerprint("R", "   os.system( x )  ")
    assert fingerprint("R", "a") != fingerprint("S", "a")
