"""The human-readable report: per source its verdict, score, reasons and findings."""

from __future__ import annotations

from collections.abc import Callable

from airlock.analyzer.formats import Results, summarize
from airlock.analyzer.models import Finding, Report, Severity, Verdict

_RESET = "\x1b[0m"
_VERDICT_STYLE = {
    Verdict.allow: "\x1b[32m",
    Verdict.review: "\x1b[33m",
    Verdict.block: "\x1b[1;31m",
}
_SEVERITY_STYLE = {
    Severity.critical: "\x1b[1;31m",
    Severity.high: "\x1b[31m",
    Severity.medium: "\x1b[33m",
    Severity.low: "\x1b[36m",
    Severity.info: "\x1b[2m",
}
_DIM = "\x1b[2m"
Paint = Callable[[str, str], str]


def to_text(results: Results, *, color: bool = False, duration_s: float | None = None) -> str:
    """A readable report; ANSI colour only when `color` (the caller checks for a TTY)."""

    def paint(style: str, text: str) -> str:
        return f"{style}{text}{_RESET}" if color else text

    out: list[str] = []
    for path, report in results:
        out.extend(_one(path, report, paint))
    s = summarize(results, duration_s=duration_s)
    counts = ", ".join(f"{n} {v}" for v, n in s["verdicts"].items() if n)
    ruleset = f"{s['ruleset']} {s['ruleset_version']}".strip() if s["ruleset"] else "-"
    out.append(
        f"{s['files']} file{'s' if s['files'] != 1 else ''} ({counts or 'none'}); "
        f"{s['findings']} finding{'s' if s['findings'] != 1 else ''}"
        + (f", {s['suppressed']} suppressed" if s["suppressed"] else "")
        + f"; rule set {ruleset}; {s['duration_s']:.2f} s"
    )
    return "\n".join(out) + "\n"


def _one(path: str, report: Report, paint: Paint) -> list[str]:
    verdict = paint(_VERDICT_STYLE[report.verdict], report.verdict.value.upper())
    lines = [f"{path}: {verdict} (score {report.score})"]
    if report.error:
        lines.append(f"  error: {report.error}")
    for reason in report.reasons:
        ids = f" [{', '.join(reason.rule_ids)}]" if reason.rule_ids else ""
        lines.append(f"  - {reason.text}{ids}")
    for finding in sorted(report.findings, key=lambda f: (f.line, f.column, f.rule_id)):
        lines.extend(_finding(path, finding, paint))
    lines.append("")
    return lines


def _finding(path: str, f: Finding, paint: Paint) -> list[str]:
    where = f"{path}:{f.line}:{f.column + 1}"
    severity = paint(_SEVERITY_STYLE[f.severity], f.severity.value)
    note = f" (suppressed: {f.suppression or 'yes'})" if f.suppressed else ""
    lines = [f"  {where}  {f.rule_id}  {severity}/{f.confidence.value}  {f.message}{note}"]
    if f.source_line.strip():
        lines.append("      " + paint(_DIM, f.source_line.strip()[:160]))
    if f.flow:
        steps = " → ".join(f"{s.text} (line {s.line})" if s.line else s.text for s in f.flow)
        lines.append(f"      flow: {steps}")
    return lines
