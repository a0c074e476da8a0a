"""The JSON report: one object with a result per scanned source and a summary."""

from __future__ import annotations

import json
from typing import Any

from airlock.analyzer.formats import Results, summarize
from airlock.analyzer.models import Finding


def finding_dict(finding: Finding) -> dict[str, Any]:
    """The JSON shape of one finding (the documented keys first, then the extras).

    Lines and columns are 1-based, as in the text report and SARIF; `flow` is the path of a
    value-flow finding, source first."""
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        "line": finding.line,
        "column": finding.column + 1,
        "message": finding.message,
        "origin": finding.origin,
        "suppressed": finding.suppressed,
        "suppression": finding.suppression,
        "title": finding.title,
        "category": finding.category,
        "cwe": finding.cwe,
        "end_line": finding.end_line,
        "end_column": finding.end_column + 1,
        "source_line": finding.source_line,
        "flow": [
            {"role": s.role, "line": s.line, "column": s.column + 1, "text": s.text}
            for s in finding.flow
        ],
    }


def to_json(results: Results, *, duration_s: float | None = None, indent: int | None = 2) -> str:
    """`{"results": [{"path", "verdict", "score", "reasons", "findings", "error"}],
    "summary": {...}}`; `reasons` are the verdict's reasons, as the text report prints them."""
    document = {
        "results": [
            {
                "path": path,
                "verdict": report.verdict.value,
                "score": report.score,
                "reasons": [
                    {"text": r.text, "rule_ids": r.rule_ids, "points": r.points}
                    for r in report.reasons
                ],
                "findings": [finding_dict(f) for f in report.findings],
                "error": report.error,
            }
            for path, report in results
        ],
        "summary": summarize(results, duration_s=duration_s),
    }
    return json.dumps(document, indent=indent, ensure_ascii=False)
