"""The labelled corpus: agent-style snippets with the verdict a person would give them.

`tests/corpus/dangerous/*.py` and `tests/corpus/benign/*.py` start with a header
`# expect: allow|review|block` (or `review|block` when either is right). The main bar
is that `default` never allows a dangerous snippet and never blocks a benign one; the
exact verdicts are checked too, with a confusion matrix on failure.

`KNOWN_GAPS` names snippets the engine cannot yet decide correctly, each with the
missing general mechanism; they are left out of the hard assertions and reported as
expected failures (xfail) until the mechanism exists, when they start to pass.
"""

from __future__ import annotations

import ast
import builtins
import random
import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airlock.analyzer.models import Verdict
from airlock.analyzer.scan import scan
from airlock.vocabulary import VERDICT_ORDER

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
HEADER = re.compile(r"^#\s*expect:\s*((?:allow|review|block)(?:\|(?:allow|review|block))*)\s*$")
VERDICTS = ("allow", "review", "block")
KNOWN_GAPS: dict[str, str] = {}


def snippets(kind: str, *, gaps: bool = False) -> list[Path]:
    """The snippets of one kind; known gaps only when `gaps` is true."""
    return sorted(p for p in (CORPUS / kind).glob("*.py") if gaps or p.name not in KNOWN_GAPS)


def expected(path: Path) -> frozenset[str]:
    """The verdicts the header accepts."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    m = HEADER.match(first)
    assert m, f"{path.name}: first line must be `# expect: allow|review|block`, got {first!r}"
    return frozenset(m.group(1).split("|"))


@cache
def verdict(path: Path, ruleset: str) -> str:
    report = scan(path.read_bytes(), ruleset=ruleset, filename=path.name)
    return report.verdict.value


def describe(path: Path, ruleset: str) -> str:
    """One line per finding, for failure messages."""
    report = scan(path.read_bytes(), ruleset=ruleset, filename=path.name)
    found = ", ".join(f"{f.rule_id}@{f.line}" for f in report.active_findings) or "no findings"
    return f"{path.parent.name}/{path.name}: {report.verdict.value} (score {report.score}; {found})"


def confusion(ruleset: str) -> str:
    """Expected label (rows) × actual verdict (columns) over the whole corpus."""
    counts: dict[tuple[str, str], int] = {}
    labels: list[str] = []
    for kind in ("dangerous", "benign"):
        for p in snippets(kind, gaps=True):
            label = f"{kind}:{'|'.join(v for v in VERDICTS if v in expected(p))}"
            if label not in labels:
                labels.append(label)
            key = (label, verdict(p, ruleset))
            counts[key] = counts.get(key, 0) + 1
    width = max(len(x) for x in labels) + 2
    lines = [f"{ruleset}: expected \\ actual".ljust(width) + "".join(f"{v:>8}" for v in VERDICTS)]
    for label in labels:
        row = "".join(f"{counts.get((label, v), 0):>8}" for v in VERDICTS)
        lines.append(label.ljust(width) + row)
    return "\n".join(lines)


def test_corpus_is_large_enough() -> None:
    assert len(snippets("dangerous", gaps=True)) >= 45
    assert len(snippets("benign", gaps=True)) >= 45
    assert set(KNOWN_GAPS) <= {p.name for p in snippets("dangerous", gaps=True)}


@pytest.mark.parametrize("kind", ["dangerous", "benign"])
def test_headers_are_well_formed(kind: str) -> None:
    for p in snippets(kind, gaps=True):
        labels = expected(p)
        if kind == "dangerous":
            assert "allow" not in labels, f"{p.name}: a dangerous snippet cannot expect allow"
        else:
            assert "block" not in labels, f"{p.name}: a benign snippet cannot expect block"


def test_default_never_allows_dangerous_nor_blocks_benign() -> None:
    """The main bar: no dangerous snippet gets `allow`, no benign one gets `block`."""
    bad = [
        describe(p, "default") for p in snippets("dangerous") if verdict(p, "default") == "allow"
    ]
    bad += [describe(p, "default") for p in snippets("benign") if verdict(p, "default") == "block"]
    assert not bad, "\n".join([*bad, "", confusion("default")])


def test_default_verdicts_match_headers() -> None:
    """Every snippet gets a verdict its header accepts."""
    wrong = [
        describe(p, "default") + f" — expected {'|'.join(sorted(expected(p)))}"
        for kind in ("dangerous", "benign")
        for p in snippets(kind)
        if verdict(p, "default") not in expected(p)
    ]
    assert not wrong, "\n".join([*wrong, "", confusion("default")])


def test_strict_is_never_more_lenient_than_default() -> None:
    """strict extends default with lower thresholds: it never lowers a verdict."""
    softer = [
        f"{describe(p, 'strict')} vs default {verdict(p, 'default')}"
        for kind in ("dangerous", "benign")
        for p in snippets(kind)
        if VERDICT_ORDER[Verdict(verdict(p, "strict"))]
        < VERDICT_ORDER[Verdict(verdict(p, "default"))]
    ]
    assert not softer, "\n".join(softer)


def test_strict_never_allows_dangerous() -> None:
    bad = [describe(p, "strict") for p in snippets("dangerous") if verdict(p, "strict") == "allow"]
    assert not bad, "\n".join([*bad, "", confusion("strict")])


def test_strict_never_blocks_ordinary_code() -> None:
    """strict may send ordinary code to a person, but never refuses it outright."""
    bad = [
        describe(p, "strict")
        for p in snippets("benign")
        if expected(p) == {"allow"} and verdict(p, "strict") == "block"
    ]
    assert not bad, "\n".join([*bad, "", confusion("strict")])


def test_strict_puts_review_cases_at_review_or_above() -> None:
    """What default sends to a person, strict sends to a person too (or blocks)."""
    bad = [
        describe(p, "strict")
        for p in snippets("benign")
        if "review" in expected(p) and verdict(p, "strict") == "allow"
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("name", sorted(KNOWN_GAPS))
def test_known_gaps(name: str) -> None:
    """Each known gap fails (xfail) with its reason until the engine closes it."""
    path = CORPUS / "dangerous" / name
    if verdict(path, "default") not in expected(path):
        pytest.xfail(f"{describe(path, 'default')}: {KNOWN_GAPS[name]}")


DEMO = Path(__file__).resolve().parents[2] / "examples" / "agent_snippets"
DEMO_EXPECT = re.compile(r"\(expected: (allow|review|block)\b")


def test_demo_snippets_get_the_verdict_their_docstring_states() -> None:
    """The README-facing demo (`make demo`) shows what it says it shows."""
    paths = sorted(DEMO.glob("*.py"))
    assert 10 <= len(paths) <= 15
    wrong = []
    seen = set()
    for p in paths:
        m = DEMO_EXPECT.search(p.read_text(encoding="utf-8"))
        assert m, f"{p.name}: docstring must say `(expected: allow|review|block …)`"
        seen.add(m.group(1))
        if verdict(p, "default") != m.group(1):
            wrong.append(describe(p, "default") + f" — docstring says {m.group(1)}")
    assert seen == set(VERDICTS), "the demo should show all three verdicts"
    assert not wrong, "\n".join(wrong)


# -- metamorphic: an attacker's cheap rewrites never lower a dangerous snippet's verdict ----
BUILTIN_NAMES = frozenset(dir(builtins))
# Snippets whose danger lives in raw text (bidi characters, suppression comments) do not
# survive an `ast` round trip unchanged, so they are not rewritten.
TEXT_LEVEL = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]|#\\s*(nosec|airlock:)")


class _Rewrite(ast.NodeTransformer):
    """Rename bound variables, alias plain imports, split string literals — all consistently,
    so the rewritten program does the same thing."""

    def __init__(
        self, tree: ast.Module, rng: random.Random, *, rename: bool, alias: bool, split: bool
    ) -> None:
        self.rng = rng
        self.split = split
        self.names: dict[str, str] = {}
        imported: set[str] = set()
        for node in ast.walk(tree):
            if alias and isinstance(node, (ast.Import, ast.ImportFrom)):
                for a in node.names:
                    bound = a.asname or a.name
                    if "." not in bound and a.name != "*" and not bound.startswith("__"):
                        self.names[bound] = self._fresh("m")
                        imported.add(bound)
        class_attrs = {
            t.id
            for c in ast.walk(tree)
            if isinstance(c, ast.ClassDef)
            for stmt in c.body
            if isinstance(stmt, (ast.Assign, ast.AnnAssign))
            for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
            if isinstance(t, ast.Name)
        }
        self.own_functions = {
            f.name for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        keep = imported | class_attrs | BUILTIN_NAMES
        for node in ast.walk(tree):
            if (
                rename
                and isinstance(node, ast.Name)
                and isinstance(node.ctx, ast.Store)
                and node.id not in keep
                and not node.id.startswith("__")
            ):
                self.names.setdefault(node.id, self._fresh("v"))

    def _fresh(self, kind: str) -> str:
        return f"_{kind}{self.rng.randrange(10**6)}_{len(getattr(self, 'names', {}))}"

    def visit_Import(self, node: ast.Import) -> ast.AST:
        for a in node.names:
            if (a.asname or a.name) in self.names and "." not in a.name:
                a.asname = self.names[a.asname or a.name]
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        for a in node.names:
            if (a.asname or a.name) in self.names:
                a.asname = self.names[a.asname or a.name]
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self.names.get(node.id, node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self.names.get(node.arg, node.arg)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if isinstance(node.func, ast.Name) and node.func.id in self.own_functions:
            for kw in node.keywords:
                if kw.arg is not None:
                    kw.arg = self.names.get(kw.arg, kw.arg)
        return self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> ast.AST:
        node.names = [self.names.get(n, n) for n in node.names]
        return node

    visit_Nonlocal = visit_Global

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        for v in node.values:  # leave f-string text alone, rewrite the expressions
            if isinstance(v, ast.FormattedValue):
                self.visit(v.value)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        v = node.value
        if self.split and isinstance(v, (str, bytes)) and len(v) >= 2:
            cut = self.rng.randrange(1, len(v))
            return ast.BinOp(ast.Constant(v[:cut]), ast.Add(), ast.Constant(v[cut:]))
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        if isinstance(node.value, ast.Constant):  # docstrings stay docstrings
            return node
        return self.generic_visit(node)


def rewrite(source: str, seed: int, *, rename: bool, alias: bool, split: bool) -> str:
    """`source` with the chosen semantics-preserving rewrites applied."""
    tree = ast.parse(source)
    tree = _Rewrite(tree, random.Random(seed), rename=rename, alias=alias, split=split).visit(tree)
    return ast.unparse(ast.fix_missing_locations(tree))


def test_rewrite_preserves_behaviour() -> None:
    src = "import os\nfrom json import dumps\nx = 'abc'\ndef f():\n    global x\n    return x\n"
    out = rewrite(src, 1, rename=True, alias=True, split=True)
    ns: dict = {}
    exec(compile(out, "<rewrite>", "exec"), ns)  # our own fixed program, not corpus code
    assert "import os as _m" in out and "from json import dumps as _m" in out
    assert ns[next(k for k in ns if k.startswith("_v"))] == "abc"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(
        [p.name for p in snippets("dangerous") if not TEXT_LEVEL.search(p.read_text("utf-8"))]
    ),
    seed=st.integers(min_value=0, max_value=2**32),
    rename=st.booleans(),
    alias=st.booleans(),
    split=st.booleans(),
)
def test_rewrites_never_lower_a_dangerous_verdict(
    name: str, seed: int, rename: bool, alias: bool, split: bool
) -> None:
    """Renaming variables, aliasing imports and splitting literals is what an attacker who
    knows the rules tries first; none of it may lower the verdict."""
    path = CORPUS / "dangerous" / name
    variant = rewrite(
        path.read_text(encoding="utf-8"), seed, rename=rename, alias=alias, split=split
    )
    before = Verdict(verdict(path, "default"))
    after = scan(variant, ruleset="default").verdict
    assert VERDICT_ORDER[after] >= VERDICT_ORDER[before], f"{name}: {before} -> {after}\n{variant}"
