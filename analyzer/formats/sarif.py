"""SARIF 2.1.0 as GitHub code scanning reads it.

Per rule: short and full descriptions, help (text and Markdown), a help URI,
tags (category, CWE), `security-severity` and `precision`. Per result: a 1-based
region, suppressions, and a `primaryLocationLineHash` fingerprint made of the rule
id, the whitespace-free source line and its occurrence index in the file, so a
finding keeps its identity when lines are inserted above it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from airlock.analyzer.formats import Results, doc_value
from airlock.analyzer.models import Confidence, Finding, FlowStep, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SECURITY_SEVERITY = {
    Severity.critical: "9.5",
    Severity.high: "8.0",
    Severity.medium: "5.5",
    Severity.low: "3.0",
    Severity.info: "0.0",
}
LEVEL = {
    Severity.critical: "error",
    Severity.high: "error",
    Severity.medium: "warning",
    Severity.low: "note",
    Severity.info: "note",
}
PRECISION = {Confidence.high: "high", Confidence.medium: "medium", Confidence.low: "low"}


def to_sarif(
    results: Results,
    *,
    rules: Mapping[str, Any] | None = None,
    tool_version: str = "0",
    information_uri: str | None = None,
    base_dir: Path | None = None,
) -> str:
    """One SARIF run; `rules` maps rule ids to their documents (Rule or BanditRule)."""
    rules = rules or {}
    base = (base_dir or Path.cwd()).resolve()
    rule_entries: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    sarif_results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for path, report in results:
        uri = artifact_uri(path, base)
        occurrences: Counter[str] = Counter()
        for finding in report.findings:
            if finding.rule_id not in rule_index:
                rule_index[finding.rule_id] = len(rule_entries)
                rule_entries.append(rule_entry(finding, rules.get(finding.rule_id)))
            key = line_key(finding)
            occurrences[key] += 1
            sarif_results.append(
                _result(finding, rule_index[finding.rule_id], uri, f"{key}:{occurrences[key]}")
            )
        if report.error:
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": report.error},
                    "locations": [{"physicalLocation": {"artifactLocation": uri}}],
                }
            )
    driver: dict[str, Any] = {
        "name": "Airlock",
        "version": tool_version,
        "semanticVersion": tool_version,
        "rules": rule_entries,
    }
    if information_uri:
        driver["informationUri"] = information_uri
    run = {
        "tool": {"driver": driver},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "originalUriBaseIds": {"%SRCROOT%": {"uri": base.as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": sarif_results,
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2)


def artifact_uri(path: str, base: Path) -> dict[str, str]:
    """A relative, forward-slash URI under %SRCROOT% where possible, else a file: URI."""
    if path in ("-", "<stdin>"):
        return {"uri": "stdin"}
    resolved = Path(path).resolve()
    try:
        relative = resolved.relative_to(base)
    except ValueError:
        return {"uri": resolved.as_uri()}
    return {"uri": quote(PurePosixPath(*relative.parts).as_posix()), "uriBaseId": "%SRCROOT%"}


def line_key(finding: Finding) -> str:
    """Rule id + the source line without whitespace: stable when lines shift."""
    text = "".join(finding.source_line.split()) or finding.message
    return hashlib.sha256(f"{finding.rule_id}\0{text}".encode()).hexdigest()[:16]


def rule_entry(finding: Finding, doc: Any) -> dict[str, Any]:
    """The reportingDescriptor for a rule, from its document or, lacking one, the finding."""
    title = doc_value(doc, "title", finding.title) or finding.rule_id
    severity = Severity(doc_value(doc, "severity", finding.severity))
    confidence = Confidence(doc_value(doc, "confidence", finding.confidence))
    category = doc_value(doc, "category", finding.category)
    cwe = doc_value(doc, "cwe", finding.cwe)
    description = doc_value(doc, "description", "") or title
    references = list(doc_value(doc, "references", ()) or ())
    tags = ["security", category]
    if cwe and re.fullmatch(r"CWE-\d+", cwe):
        tags.append(f"external/cwe/cwe-{int(cwe[4:]):03d}")
    entry: dict[str, Any] = {
        "id": finding.rule_id,
        "name": _pascal(title),
        "shortDescription": {"text": title},
        "fullDescription": {"text": description},
        "help": _help(doc, title, description, references),
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {
            "tags": tags,
            "security-severity": SECURITY_SEVERITY[severity],
            "precision": PRECISION[confidence],
            "problem.severity": {"error": "error", "warning": "warning"}.get(
                LEVEL[severity], "recommendation"
            ),
        },
    }
    if references:
        entry["helpUri"] = references[0]
    return entry


def _help(doc: Any, title: str, description: str, references: list[str]) -> dict[str, str]:
    why = doc_value(doc, "why", "")
    example = doc_value(doc, "example", "")
    instead = doc_value(doc, "instead", "")
    text = [f"{title}\n\nWhat it does: {description}"]
    markdown = [f"## {title}\n\n### What it does\n\n{description}"]
    if why:
        text.append(f"Why is this bad? {why}")
        markdown.append(f"### Why is this bad?\n\n{why}")
    if example:
        text.append(f"Example:\n{example.rstrip()}")
        markdown.append(f"### Example\n\n```python\n{example.rstrip()}\n```")
    if instead:
        text.append(f"Use instead:\n{instead.rstrip()}")
        markdown.append(f"### Use instead\n\n```python\n{instead.rstrip()}\n```")
    if references:
        text.append("References: " + " ".join(references))
        markdown.append("### References\n\n" + "\n".join(f"- <{r}>" for r in references))
    return {"text": "\n\n".join(text), "markdown": "\n\n".join(markdown)}


def _result(finding: Finding, index: int, uri: dict[str, str], fingerprint: str) -> dict[str, Any]:
    start_line = max(finding.line, 1)
    region: dict[str, Any] = {"startLine": start_line, "startColumn": finding.column + 1}
    end_line = max(finding.end_line, start_line)
    if end_line > start_line or finding.end_column > finding.column:
        region["endLine"] = end_line
        region["endColumn"] = finding.end_column + 1
    if finding.source_line:
        region["snippet"] = {"text": finding.source_line}
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": index,
        "level": LEVEL[finding.severity],
        "message": {"text": finding.message or finding.title},
        "locations": [{"physicalLocation": {"artifactLocation": uri, "region": region}}],
        "partialFingerprints": {"primaryLocationLineHash": fingerprint},
        "properties": {
            "severity": finding.severity.value,
            "confidence": finding.confidence.value,
            "category": finding.category,
            "origin": finding.origin,
        },
    }
    if finding.flow:
        steps = [_flow_location(step, uri) for step in finding.flow]
        result["codeFlows"] = [{"threadFlows": [{"locations": steps}]}]
        result["relatedLocations"] = [
            {"id": i, **step["location"]}
            for i, step in enumerate(steps[:-1], 1)  # the sink is the result's own location
        ]
    if finding.suppressed:
        kind = "inSource" if finding.suppression in (None, "inline") else "external"
        result["suppressions"] = [
            {"kind": kind, "justification": f"suppressed ({finding.suppression or 'inline'})"}
        ]
    return result


def _flow_location(step: FlowStep, uri: dict[str, str]) -> dict[str, Any]:
    """One threadFlow location: where a flagged value is, and what it is there."""
    region = {"startLine": max(step.line, 1), "startColumn": step.column + 1}
    return {
        "location": {
            "physicalLocation": {"artifactLocation": uri, "region": region},
            "message": {"text": f"{step.role}: {step.text}"},
        },
        "kinds": [step.role],
    }


def _pascal(title: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", title)
    return "".join(w[:1].upper() + w[1:] for w in words) or "Rule"
