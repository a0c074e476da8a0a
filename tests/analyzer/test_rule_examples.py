"""Every shipped rule is specified by annotated examples, and every annotation holds.

`rules/examples/<set>/*.py` files carry `# ruleid: ID[, ID…]` on the line before a line
that must produce a finding with that id, and `# ok: ID[, ID…]` before a near miss that
must not. Annotation comments may stack; the target is the next line that is not an
annotation. A set's examples are checked against that set and every set extending it.

`# todoruleid:` / `# todook:` (semgrep's convention) mark known engine gaps: the line
states what the rule should do and is reported as an expected failure (xfail) until
the engine closes the gap; then the case passes and can be promoted to `ruleid` / `ok`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import yaml

from airlock.analyzer.ruleset import RuleSet, load_ruleset
from airlock.analyzer.scan import scan
from airlock.rules import RULES_DIR

SHIPPED = ("default", "strict")
EXAMPLES = RULES_DIR / "examples"
ANNOTATION = re.compile(r"^\s*#\s*(ruleid|ok|todoruleid|todook)\s*:\s*(.+?)\s*$")
RULE_ID = re.compile(r"^AIR-[A-Z]+-\d{3}$")
CATEGORIES = {
    "process",
    "code-exec",
    "network",
    "filesystem",
    "secrets",
    "deserialization",
    "native",
    "escape",
    "obfuscation",
    "resource",
    "persistence",
    "privilege",
    "suppression",
}
DOC_FIELDS = ("title", "message", "description", "why", "example", "instead")


@dataclass(frozen=True)
class Annotation:
    """One `# ruleid:` / `# ok:` expectation about one target line."""

    path: Path
    comment_line: int
    target_line: int
    kind: str  # "ruleid" | "ok" | "todoruleid" | "todook"
    rule_id: str

    def __str__(self) -> str:
        rel = self.path.relative_to(RULES_DIR)
        return f"{rel}:{self.target_line} {self.kind}: {self.rule_id}"


def parse_annotations(path: Path) -> list[Annotation]:
    """The annotations of one example file, each paired with its target line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Annotation] = []
    pending: list[tuple[int, str, str]] = []
    for no, line in enumerate(lines, 1):
        m = ANNOTATION.match(line)
        if m:
            for rid in re.split(r"[,\s]+", m.group(2)):
                if rid:
                    pending.append((no, m.group(1), rid))
            continue
        for comment_line, kind, rid in pending:
            out.append(Annotation(path, comment_line, no, kind, rid))
        pending = []
    if pending:
        raise AssertionError(f"{path}: annotation at line {pending[0][0]} has no target line")
    return out


def sets_chain(name: str) -> list[str]:
    """`name` and every set it extends, nearest first (by reading the YAML)."""
    chain = [name]
    data = yaml.safe_load((RULES_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    while data.get("extends"):
        chain.append(str(data["extends"]))
        data = yaml.safe_load((RULES_DIR / f"{chain[-1]}.yaml").read_text(encoding="utf-8"))
    return chain


def example_files(set_name: str) -> list[Path]:
    """Annotated example files that apply to `set_name` (its own and its bases')."""
    files: list[Path] = []
    for s in sets_chain(set_name):
        files.extend(sorted((EXAMPLES / s).rglob("*.py")))
    return files


@cache
def findings_by_line(path: Path, set_name: str) -> dict[int, set[str]]:
    """Rule ids found on each line of `path` under `set_name` (suppressed ones too)."""
    report = scan(path.read_bytes(), ruleset=set_name, filename=str(path))
    assert report.error is None, f"{path}: analysis error under {set_name}: {report.error}"
    out: dict[int, set[str]] = {}
    for f in report.findings:
        out.setdefault(f.line, set()).add(f.rule_id)
    return out


def _cases() -> list[tuple[str, Path]]:
    return [(s, p) for s in SHIPPED for p in example_files(s)]


@pytest.mark.parametrize(
    ("set_name", "path"),
    _cases(),
    ids=[f"{s}:{p.relative_to(EXAMPLES)}" for s, p in _cases()],
)
def test_annotations_hold(set_name: str, path: Path) -> None:
    """Each `ruleid` line has a finding with that id, and no `ok` line has one."""
    rs = load_ruleset(set_name)
    known = {r.id for r in rs.rules}
    by_line = findings_by_line(path, set_name)
    failures = []
    for a in parse_annotations(path):
        if a.rule_id not in known:
            failures.append(f"{a}: unknown rule id in set {set_name}")
            continue
        found = by_line.get(a.target_line, set())
        if a.kind == "ruleid" and a.rule_id not in found:
            failures.append(f"{a}: expected a finding, got {sorted(found) or 'none'}")
        if a.kind == "ok" and a.rule_id in found:
            failures.append(f"{a}: unexpected finding")
    assert not failures, f"{len(failures)} annotation(s) fail under {set_name}:\n" + "\n".join(
        failures
    )


def _todo_cases() -> list[tuple[str, Annotation]]:
    return [
        (s, a)
        for s, p in _cases()
        for a in parse_annotations(p)
        if a.kind in ("todoruleid", "todook")
    ]


@pytest.mark.parametrize(
    ("set_name", "annotation"),
    _todo_cases(),
    ids=[f"{s}:{a}" for s, a in _todo_cases()],
)
def test_known_gaps(set_name: str, annotation: Annotation) -> None:
    """Known engine gaps: each fails (xfail) until the engine does what the line says."""
    found = findings_by_line(annotation.path, set_name).get(annotation.target_line, set())
    expected = annotation.kind == "todoruleid"
    if (annotation.rule_id in found) != expected:
        pytest.xfail(f"known gap: {annotation}")


def _yaml_rules(set_name: str) -> list[dict]:
    data = yaml.safe_load((RULES_DIR / f"{set_name}.yaml").read_text(encoding="utf-8"))
    return list(data.get("rules") or [])


@pytest.mark.parametrize("set_name", SHIPPED)
def test_every_rule_has_a_ruleid_example(set_name: str) -> None:
    """A rule without a positive example is not done: the suite fails until it has one."""
    rs: RuleSet = load_ruleset(set_name)
    covered = {
        a.rule_id
        for p in example_files(set_name)
        for a in parse_annotations(p)
        if a.kind in ("ruleid", "todoruleid")
    }
    missing = sorted(r.id for r in rs.rules if not r.builtin and r.id not in covered)
    assert not missing, f"rules of {set_name} without a `# ruleid:` example: {missing}"


@pytest.mark.parametrize("set_name", SHIPPED)
def test_every_rule_documents_itself(set_name: str) -> None:
    """id, category, CWE and the four doc parts that `airlock rules show` prints."""
    problems = []
    for raw in _yaml_rules(set_name):
        rid = raw.get("id", "?")
        if not RULE_ID.match(str(rid)):
            problems.append(f"{rid}: id must look like AIR-CAT-NNN")
        if raw.get("category") not in CATEGORIES:
            problems.append(f"{rid}: unknown category {raw.get('category')!r}")
        if not re.fullmatch(r"CWE-\d+", str(raw.get("cwe", ""))):
            problems.append(f"{rid}: cwe must look like CWE-123")
        for field in DOC_FIELDS:
            if not str(raw.get(field) or "").strip():
                problems.append(f"{rid}: empty {field}")
        refs = raw.get("references") or []
        if not refs or not all(str(r).startswith("https://") for r in refs):
            problems.append(f"{rid}: references must be a non-empty list of https URLs")
    assert not problems, "\n".join(problems)


def test_rule_ids_are_unique_across_shipped_sets() -> None:
    """An id names one rule everywhere; a set adding rules never reuses a base's id."""
    seen: dict[str, str] = {}
    dupes = []
    for s in SHIPPED:
        for raw in _yaml_rules(s):
            if raw["id"] in seen:
                dupes.append(f"{raw['id']} in {seen[raw['id']]} and {s}")
            seen[raw["id"]] = s
    assert not dupes, dupes


def test_every_category_has_several_rules() -> None:
    """The default set covers each category with more than one rule."""
    counts: dict[str, int] = {}
    for raw in _yaml_rules("default"):
        counts[raw["category"]] = counts.get(raw["category"], 0) + 1
    thin = {c: n for c, n in counts.items() if n < 3 and c != "suppression"}
    assert set(counts) >= CATEGORIES
    assert not thin, f"categories with fewer than 3 rules: {thin}"


def test_parse_annotations_pairs_stacked_comments(tmp_path: Path) -> None:
    """Stacked annotations share the next code line; a dangling one is an error."""
    p = tmp_path / "x.py"
    p.write_text("# ruleid: AIR-A-001\n# ok: AIR-B-002, AIR-C-003\nx = 1\n", encoding="utf-8")
    got = [(a.kind, a.rule_id, a.target_line) for a in parse_annotations(p)]
    assert got == [("ruleid", "AIR-A-001", 3), ("ok", "AIR-B-002", 3), ("ok", "AIR-C-003", 3)]
    p.write_text("x = 1\n# ruleid: AIR-A-001\n", encoding="utf-8")
    with pytest.raises(AssertionError):
        parse_annotations(p)
