"""The JSON report: one object with a result per scanned source and a summary."""

from __future__ import annotations

import json
from typing import Any

from airlock.analyzer.formats import Results, summarize
from airlock.analyzer.models import Finding


def finding_dict(finding: Finding) -> dict[str, Any]:
    """The JSON shape of one finding (the documented keys first, then the extras)."""
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        "line": finding.line,
        "column": finding.column,
        "message": finding.message,
        "origin": finding.origin,
        "suppressed": finding.suppressed,
        "suppression": finding.suppression,
        "title": finding.title,
        "category": finding.category,
        "cwe": finding.cwe,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "source_line": finding.source_line,
    }


def to_json(results: Results, *, duration_s: float | None = None, indent: int | None = 2) -> str:
    """`{"results": [{"path", "verdict", "score", "findings", "error"}], "summary": {...}}`."""
    document = {
        "results": [
            {
                "path": path,
                "verdict": report.verdict.value,
                "score": report.score,
                "findings": [finding_dict(f) for f in report.findings],
                "error": report.error,
            }
            for path, report in results
        ],
        "summary": summarize(results, duration_s=duration_s),
    }
    return json.dumps(document, indent=indent, ensure_ascii=False)
