"""The front door: `scan(source) -> Report`. Never raises on input; fails closed."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import libcst as cst

from airlock.analyzer.bandit_bridge import bandit_findings, bandit_floor
from airlock.analyzer.builtin_rules import builtin_for
from airlock.analyzer.checks import CHECKS
from airlock.analyzer.context import Context
from airlock.analyzer.embedded import MAX_DEPTH as MAX_EMBED_DEPTH
from airlock.analyzer.embedded import MAX_TOTAL as MAX_EMBED_TOTAL
from airlock.analyzer.embedded import embedded_sources
from airlock.analyzer.engine import walk
from airlock.analyzer.matchers import CompiledRules, Hit
from airlock.analyzer.models import Confidence, Finding, FlowStep, Report, Verdict
from airlock.analyzer.parse import Parsed, ParseFailure, decode, parse, salvage
from airlock.analyzer.recursion import deep_recursion
from airlock.analyzer.resolve import MAX_NAMES
from airlock.analyzer.ruleset import Rule, RuleSet, load_ruleset
from airlock.analyzer.score import decide
from airlock.analyzer.suppress import (
    apply_inline,
    apply_reviewer,
    fingerprint,
    suppression_comments,
)


def scan(
    source: str | bytes,
    *,
    ruleset: str | Path | RuleSet = "default",
    filename: str = "<agent>",
    trusted: bool | None = None,
) -> Report:
    """Analyse one source and decide. `trusted=True` honours inline suppressions.

    Raises `RuleSetError` only for a missing or invalid rule set; anything wrong with
    `source` becomes a finding, and any internal error sets `Report.error` and keeps
    the verdict from being `allow`. The interpreter is left as found: the recursion
    limit is raised only while the scan runs, and the cyclic collector is not touched.
    """
    with deep_recursion():
        return _scan(source, ruleset=ruleset, filename=filename, trusted=trusted)


def _scan(
    source: str | bytes,
    *,
    ruleset: str | Path | RuleSet,
    filename: str,
    trusted: bool | None,
) -> Report:
    started = time.perf_counter()
    rs = load_ruleset(ruleset)
    compiled: CompiledRules = rs.compiled()
    raw = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
    sha = hashlib.sha256(raw).hexdigest()
    honour = rs.policy.honour_inline_suppressions if trusted is None else trusted
    findings: list[Finding] = []
    errors: list[str] = []
    text = ""
    if len(raw) > rs.policy.max_source_bytes:
        rule = builtin_for("size_limit", compiled.rules)
        findings.append(
            _finding(
                rule,
                f"{len(raw)} bytes exceeds the limit of {rs.policy.max_source_bytes}; not analysed",
                1,
                0,
                "",
            )
        )
    else:
        parsed: Parsed | None = None
        try:
            text = decode(source)
            parsed = parse(text)
        except ParseFailure as exc:
            line_text = _line(text, exc.line)
            rule = builtin_for("parse_error", compiled.rules)
            findings.append(_finding(rule, exc.message, exc.line, exc.column, line_text))
            # What parses around the bad text is analysed too: a NUL byte or a stray line
            # never lowers the verdict the rest of the source earns.
            text = text or raw.decode("utf-8", "replace")
            parsed = salvage(text)
        if parsed is not None:
            found: list[Finding] = []
            try:
                found.extend(_analyse(parsed, compiled))
            except Exception as exc:  # fail closed: a broken rule never means "allow"
                errors.append(f"analyzer: {type(exc).__name__}: {exc}")
            try:
                found.extend(_bandit(parsed, filename, rs))
            except Exception as exc:
                errors.append(f"bandit: {type(exc).__name__}: {exc}")
            if parsed.text != text:  # salvaged or re-indented: show what was written
                _show_original(found, text)
            findings.extend(found)
            if honour:
                own = builtin_for("inline_suppression", compiled.rules).id
                findings = [f for f in findings if f.rule_id != own]
                apply_inline(findings, suppression_comments(text))
    error = "; ".join(errors) or None
    if error:
        rule = builtin_for("engine_error", compiled.rules)
        findings.append(_finding(rule, error, 0, 0, ""))
    apply_reviewer(findings, rs.disable, rs.baseline)

    def floor_of(f: Finding) -> Verdict | None:
        ov = rs.overrides.get(f.rule_id)
        if ov is not None and ov.verdict is not None:
            return ov.verdict
        r = compiled.by_id.get(f.rule_id)
        if r is not None:
            return r.verdict
        return bandit_floor(f.rule_id) if f.origin == "bandit" else None

    findings.sort(key=lambda f: (f.line, f.column, f.rule_id))

    def tags_of(rule_id: str) -> tuple[str, ...]:
        r = compiled.by_id.get(rule_id)
        return r.tags if r is not None else ()

    score, verdict, reasons = decide(findings, rs.policy, floor_of, error=error, tags_of=tags_of)
    return Report(
        verdict=verdict,
        score=score,
        findings=findings,
        reasons=reasons,
        ruleset=rs.name,
        ruleset_version=rs.version,
        sha256=sha,
        lines=text.count("\n") + (1 if text and not text.endswith("\n") else 0),
        duration_ms=round((time.perf_counter() - started) * 1000, 3),
        error=error,
    )


def _show_original(findings: list[Finding], text: str) -> None:
    """Findings on a salvaged source show the line as it was written, not the stand-in or
    Python 3 rewrite salvage analysed (line numbers are the same in both)."""
    for f in findings:
        original = _line(text, f.line)
        if f.line < 1 or original == f.source_line.rstrip():
            continue
        if f.fingerprint == fingerprint(f.rule_id, f.source_line):
            f.fingerprint = fingerprint(f.rule_id, original)
        f.source_line = original[:500]


def _line(text: str, line: int) -> str:
    if line < 1:
        return ""
    lines = text.splitlines()
    return lines[line - 1].rstrip() if line <= len(lines) else ""


def _finding(rule: Rule, name: str, line: int, column: int, source_line: str) -> Finding:
    return Finding(
        rule_id=rule.id,
        title=rule.title,
        severity=rule.severity,
        confidence=rule.confidence,
        category=rule.category,
        cwe=rule.cwe,
        line=line,
        column=column,
        end_line=line,
        end_column=column,
        source_line=source_line[:500],
        message=(rule.message or rule.title).replace("{name}", name),
        fingerprint=fingerprint(rule.id, source_line or name),
    )


def _analyse(
    parsed: Parsed, compiled: CompiledRules, depth: int = 0, budget: list[int] | None = None
) -> list[Finding]:
    walker, folder = walk(parsed.module, parsed.tree, compiled.attr_names)
    ctx = Context(parsed, walker, folder)
    hits: list[Hit] = compiled.match(ctx)
    for check, rules in compiled.checks.items():
        for node, name, line, column in CHECKS[check](ctx, compiled):
            for rule in rules:
                hits.append(Hit(rule, node, name, line, column))
    lines = ctx.lines
    flow_paths: dict[int, Any] = getattr(ctx, "flow_paths", {})
    out: list[Finding] = []
    if walker.names.overflowed:
        reason = f"name resolution reached its bound of {MAX_NAMES} names per expression"
        out.append(_finding(builtin_for("engine_error", compiled.rules), reason, 0, 0, ""))
    seen: set[tuple[str, int]] = set()
    for hit in hits:
        key = (
            hit.rule.id,
            id(hit.node) if hit.node is not None else hit.line * 100000 + hit.column,
        )
        if key in seen:
            continue
        seen.add(key)
        if hit.node is not None:
            line, col, end_line, end_col = ctx.positions.of(hit.node)
        else:
            line, col, end_line, end_col = hit.line, hit.column, hit.line, hit.column + 1
        src = lines[line - 1].rstrip() if 0 < line <= len(lines) else ""
        f = _finding(hit.rule, hit.name, line, col, src)
        f.end_line, f.end_column = end_line, end_col
        guessed = walker.names.guessed(hit.node.func) if type(hit.node) is cst.Call else None
        if guessed is not None:  # `def run(cmd, *, os): os.system(cmd)`; `run_command(c)`
            f.confidence = LESS_SURE[f.confidence]
            f.message += f" ({guessed} is not defined in this source: read as its name says)"
        path = flow_paths.get(id(hit.node)) if hit.rule.match.get("check") in FLOW_CHECKS else None
        if path is not None:
            f.flow = _flow_steps(ctx, path, f)
        out.append(f)
    if depth < MAX_EMBED_DEPTH:
        left = budget if budget is not None else [MAX_EMBED_TOTAL]
        out.extend(_embedded(ctx, compiled, depth, out, left))
    return out


def _embedded(
    ctx: Context, compiled: CompiledRules, depth: int, outer: list[Finding], budget: list[int]
) -> list[Finding]:
    """What the programs held in the source's strings would do, at each string's line
    (`budget`: characters of embedded code still to analyse in this scan)."""
    have = {(f.rule_id, f.line) for f in outer}
    skip = builtin_for("inline_suppression", compiled.rules).id
    out: list[Finding] = []
    for node, code in embedded_sources(ctx):
        if len(code) > budget[0]:
            break
        budget[0] -= len(code)
        try:
            inner = _analyse(parse(code), compiled, depth + 1, budget)
        except ParseFailure:
            continue
        line, col, end_line, end_col = ctx.positions.of(node)
        src = ctx.lines[line - 1].rstrip() if 0 < line <= len(ctx.lines) else ""
        for f in inner:
            if f.rule_id == skip or (f.rule_id, line) in have:
                continue
            have.add((f.rule_id, line))
            where = f" (its line {f.line})" if f.line > 1 else ""
            f.message = f"code held in a string{where}: {f.message}"
            f.line, f.column, f.end_line, f.end_column = line, col, end_line, end_col
            f.source_line = src[:500]
            f.fingerprint = fingerprint(f.rule_id, "embedded " + (src or code[:200]))
            f.flow = []
            out.append(f)
    return out


LESS_SURE = {
    Confidence.high: Confidence.medium,
    Confidence.medium: Confidence.low,
    Confidence.low: Confidence.low,
}
FLOW_CHECKS = frozenset(
    {"secret_to_network", "credential_to_network", "drop_flow", "destructive_walk"}
)


def _flow_steps(ctx: Context, path: tuple[Any, str, str], sink: Finding) -> list[FlowStep]:
    """Source → sink of a value-flow finding, with the source's own position."""
    node, what, name = path
    line, column, _, _ = ctx.positions.of(node)
    if not line:  # a node the walk did not pair with a statement: its first spelling
        try:
            found = ctx.text.find(ctx.parsed.module.code_for_node(node))
        except Exception:
            found = -1
        if found >= 0:
            line, column = ctx.positions.at(found)
    return [
        FlowStep(role="source", line=line, column=column, text=what),
        FlowStep(role="sink", line=sink.line, column=sink.column, text=name),
    ]


def _bandit(parsed: Parsed, filename: str, rs: RuleSet) -> list[Finding]:
    """bandit's findings with the rule set's overrides applied (disable is applied later).

    bandit visits the `ast` tree `parse` already built instead of parsing again.
    """
    out = []
    for f in bandit_findings(parsed.text, filename=filename, tree=parsed.tree):
        ov = rs.overrides.get(f.rule_id)
        if ov is not None:
            f = f.model_copy(update=ov.model_dump(exclude_none=True, exclude={"verdict"}))
        if not f.fingerprint:
            f.fingerprint = fingerprint(f.rule_id, f.source_line)
        out.append(f)
    return out
