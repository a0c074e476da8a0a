"""Suppressions: inline comments (a finding by default), overlays and baselines.

The author of agent code is the untrusted party, so inline suppression comments are
not honoured unless the policy says the code is trusted; each one is then a finding.
Reviewer-side suppressions (an overlay's `disable`, a baseline of fingerprints)
mark findings suppressed. Suppressed findings always stay in the report.
"""

from __future__ import annotations

import hashlib
import io
import re
import tokenize
from dataclasses import dataclass

from airlock.analyzer.models import Finding

MARKER = re.compile(
    r"#.*?(?P<all>(?P<nosec>\bnosec\b(?:[:\s]+(?P<nosec_ids>B\d{3}(?:[\s,]+B\d{3})*))?)"
    r"|(?P<nosemgrep>\bnosemgrep\b)"
    r"|(?P<noqa>\bnoqa\s*:\s*(?P<noqa_ids>[A-Z]+\d+(?:[\s,]+[A-Z]+\d+)*))"
    r"|(?P<airlock>\bairlock\s*:\s*ignore\s*\[(?P<air_ids>[^\]]*)\]))",
    re.IGNORECASE,
)
QUICK = re.compile(r"nosec|nosemgrep|noqa|airlock", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SuppressionComment:
    """One inline suppression comment: where it is and what it names."""

    line: int
    column: int
    text: str
    kind: str  # nosec | nosemgrep | noqa | airlock
    ids: frozenset[str]  # empty: everything the tool reports on that line


def _comments(text: str) -> list[tuple[int, int, str]]:
    """Real comments (not `#` inside strings), via the tokenizer; only called when needed."""
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                out.append((tok.start[0], tok.start[1], tok.string))
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass
    return out


def suppression_comments(text: str) -> list[SuppressionComment]:
    """Every inline suppression comment in `text`."""
    if QUICK.search(text) is None:
        return []
    found = []
    for line, col, comment in _comments(text):
        m = MARKER.search(comment)
        if m is None:
            continue
        if m.group("nosec"):
            kind, raw = "nosec", m.group("nosec_ids") or ""
        elif m.group("nosemgrep"):
            kind, raw = "nosemgrep", ""
        elif m.group("noqa"):
            kind, raw = "noqa", m.group("noqa_ids") or ""
            if not any(i.upper().startswith("S") for i in re.split(r"[\s,]+", raw) if i):
                continue  # a lint-only noqa (E501 and friends) hides nothing from a security scanner
        else:
            kind, raw = "airlock", m.group("air_ids") or ""
        ids = frozenset(i.upper() for i in re.split(r"[\s,]+", raw.strip()) if i)
        found.append(SuppressionComment(line, col, m.group("all").strip(), kind, ids))
    return found


def apply_inline(findings: list[Finding], comments: list[SuppressionComment]) -> None:
    """Honour `# nosec [ids]` (bandit findings) and `# airlock: ignore[ids]` (any finding)."""
    by_line: dict[int, list[SuppressionComment]] = {}
    for c in comments:
        by_line.setdefault(c.line, []).append(c)
    if not by_line:
        return
    for f in findings:
        if f.suppressed:
            continue
        last = max(f.end_line, f.line)
        for line in range(f.line, last + 1):
            if any(_covers(c, f) for c in by_line.get(line, ())):
                f.suppressed, f.suppression = True, "inline"
                break


def _covers(c: SuppressionComment, f: Finding) -> bool:
    if c.kind == "nosec":
        return f.origin == "bandit" and (not c.ids or f.rule_id.upper() in c.ids)
    if c.kind == "airlock":
        return f.rule_id.upper() in c.ids
    return False


def fingerprint(rule_id: str, source_line: str) -> str:
    """Stable id of a finding: survives line shifts, changes when the code changes."""
    normal = " ".join(source_line.split())
    return hashlib.sha256(f"{rule_id}\0{normal}".encode()).hexdigest()[:20]


def apply_reviewer(
    findings: list[Finding], disabled: frozenset[str], baseline: frozenset[str]
) -> None:
    """Mark findings of disabled rules (overlay) and accepted fingerprints (baseline)."""
    for f in findings:
        if f.suppressed:
            continue
        if f.rule_id in disabled:
            f.suppressed, f.suppression = True, "overlay"
        elif f.fingerprint in baseline:
            f.suppressed, f.suppression = True, "baseline"
