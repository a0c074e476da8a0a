"""bandit's checks run in-process on the scanned source, weighed by Airlock's own table.

The table itself (rules/bandit.yaml) is read by `analyzer.bandit_weights`; the plugin
registry is loaded by `analyzer.bandit_plugins`.

bandit's machinery (extension manager, test set, config) is built once per process;
each call only parses and visits the given source. `# nosec` is never honoured here:
bandit is handed no nosec lines, so a comment cannot hide a finding from the engine,
which alone decides about suppressions. A check that raises is an error, not a
silent skip: `BanditError` tells the engine to fail closed.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from functools import cache
from typing import Any

from analyzer.bandit_plugins import extension_manager, quiet_stdio, shipped_test_ids
from analyzer.bandit_weights import BanditRule, bandit_floor, bandit_rules, weigh
from analyzer.models import Finding

_VISITOR_FILENAME = "<airlock>"  # no directory part: bandit skips module-path lookups
_CODING_COOKIE = re.compile(rb"^([ \t\f]*#.*?)coding[:=]", re.MULTILINE)


class BanditError(RuntimeError):
    """bandit could not check a source (a check raised or the source did not parse)."""


def bandit_findings(
    source: str | bytes, *, filename: str = "<agent>", tree: ast.Module | None = None
) -> list[Finding]:
    """Run every bandit check on `source` in-process; `# nosec` is NOT honoured here.

    `tree` is the `ast.parse` of the same source if the caller already has it (bandit
    then does not parse again; it annotates the nodes with `_bandit_*` attributes).
    Raises BanditError if the source does not parse or a bandit check raises.
    """
    machinery = _machinery()
    text, data = _text_and_bytes(source)
    file_data = io.BytesIO(data)
    visitor = machinery.visitor_class(
        _VISITOR_FILENAME, file_data, machinery.meta_ast, machinery.test_set,
        False, {}, machinery.metrics,
    )  # fmt: skip
    visitor.tester = machinery.tester_class(machinery.test_set, False, {}, machinery.metrics)
    visitor.annotated = []
    try:
        visitor.generic_visit(ast.parse(text) if tree is None else tree)
        # bandit's whole-file checks (B613 trojan source) read the bytes, not the tree.
        context = {"file_data": file_data, "filename": _VISITOR_FILENAME, "lineno": 0,
                   "linerange": [0, 1], "col_offset": 0}  # fmt: skip
        visitor.tester.run_tests(context, "File")
    except BanditError:
        raise
    except (SyntaxError, ValueError) as exc:
        raise BanditError(f"bandit could not parse {filename}: {exc}") from exc
    except RecursionError as exc:
        raise BanditError(f"bandit ran out of recursion depth on {filename}") from exc
    except Exception as exc:  # any other failure inside bandit must fail closed
        raise BanditError(f"bandit failed on {filename}: {type(exc).__name__}: {exc}") from exc
    finally:
        visitor.unlink()
    lines = text.splitlines()
    return [_to_finding(issue, lines) for issue in visitor.tester.results]


def warm_up() -> None:
    """Load bandit's plugins now (before forking workers) rather than on the first scan."""
    _machinery()


@dataclass
class _Machinery:
    test_set: Any
    meta_ast: Any
    metrics: Any
    visitor_class: type
    tester_class: type


@cache
def _machinery() -> _Machinery:
    """Load bandit's plugins and build its test set once per process."""
    extension_manager()
    from bandit.core import config, meta_ast, metrics, test_set

    with quiet_stdio():
        conf = config.BanditConfig()
        tests = test_set.BanditTestSet(conf, profile={})
    return _Machinery(
        test_set=tests,
        meta_ast=meta_ast.BanditMetaAst(),
        metrics=metrics.Metrics(),
        visitor_class=_lean_visitor_class(set(tests.tests)),
        tester_class=_lean_tester_class(),
    )


def _lean_tester_class() -> type:
    """bandit's tester without nosec handling or score keeping, failing closed on errors."""
    from bandit.core import context as b_context
    from bandit.core import tester

    class LeanTester(tester.BanditTester):
        def run_tests(self, raw_context: dict[str, Any], checktype: str) -> None:  # type: ignore[override]
            for test in self.testset.get_tests(checktype):
                temp_context = raw_context.copy()
                context = b_context.Context(temp_context)
                try:
                    if hasattr(test, "_config"):
                        result = test(context, test._config)
                    else:
                        result = test(context)
                except Exception as exc:
                    line = temp_context.get("lineno", 0)
                    raise BanditError(
                        f"bandit check {test.__name__} raised on line {line}: "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
                if result is None:
                    continue
                result.fname = temp_context["filename"]
                result.fdata = temp_context["file_data"]
                if result.lineno is None:
                    result.lineno = temp_context["lineno"]
                if result.linerange == []:
                    result.linerange = temp_context["linerange"]
                if result.col_offset == -1:
                    result.col_offset = temp_context["col_offset"]
                result.end_col_offset = temp_context.get("end_col_offset", 0)
                result.test = test.__name__
                if result.test_id == "":
                    result.test_id = test._test_id
                self.results.append(result)

    return LeanTester


def _lean_visitor_class(checked: set[str]) -> type:
    """bandit's node visitor, building a check context only for nodes some check reads.

    Most nodes (Name, Load, Attribute, operators) have no bandit check; bandit still
    builds a context and runs an empty test list for each. Skipping them, and the
    debug logging, makes the same visit about twice as fast with identical results.
    """
    from bandit.core import node_visitor
    from bandit.core import utils as b_utils

    class LeanVisitor(node_visitor.BanditNodeVisitor):
        annotated: list[ast.AST]

        def generic_visit(self, node: ast.AST) -> None:
            """bandit's traversal (parent and sibling links, then visit), remembering
            every node it links so that `unlink` can break the parent cycles after."""
            annotated = self.annotated
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    last = len(value) - 1
                    for idx, item in enumerate(value):
                        if isinstance(item, ast.AST):
                            item._bandit_sibling = value[idx + 1] if idx < last else None
                            item._bandit_parent = node
                            annotated.append(item)
                            self.depth += 1
                            self.visit(item)
                            self.generic_visit(item)
                            self.post_visit(item)
                elif isinstance(value, ast.AST):
                    value._bandit_sibling = None
                    value._bandit_parent = node
                    annotated.append(value)
                    self.depth += 1
                    self.visit(value)
                    self.generic_visit(value)
                    self.post_visit(value)

        def unlink(self) -> None:
            """Drop the child-to-parent links: they make the whole tree one reference
            cycle, which only the cyclic collector (at great cost) could free."""
            for node in self.annotated:
                node._bandit_parent = None
            self.annotated = []

        def visit(self, node: ast.AST) -> None:
            name = node.__class__.__name__
            method = getattr(self, "visit_" + name, None)
            if method is None and name not in checked:
                return
            context: dict[str, Any] = {
                "imports": self.imports,
                "import_aliases": self.import_aliases,
                "node": node,
                "linerange": b_utils.linerange(node),
                "filename": self.fname,
                "file_data": self.fdata,
            }
            if hasattr(node, "lineno"):
                context["lineno"] = node.lineno
            if hasattr(node, "col_offset"):
                context["col_offset"] = node.col_offset
            if hasattr(node, "end_col_offset"):
                context["end_col_offset"] = node.end_col_offset
            self.context = context
            if method is not None:
                method(node)
            else:
                self.tester.run_tests(context, name)

        def post_visit(self, node: ast.AST) -> None:
            self.depth -= 1
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                self.namespace = b_utils.namespace_path_split(self.namespace)[0]

        def update_scores(self, scores: object) -> None:
            """Airlock scores findings itself."""

    return LeanVisitor


def _text_and_bytes(source: str | bytes) -> tuple[str, bytes]:
    """The text bandit parses and the bytes its file-level checks (B613) read."""
    if isinstance(source, bytes):
        data = source
        try:
            text = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BanditError(f"source is not valid UTF-8: {exc}") from exc
    else:
        text = source
        data = source.encode("utf-8", errors="surrogatepass")
    head = b"\n".join(data.split(b"\n", 2)[:2])
    if _CODING_COOKIE.search(head):
        # The text is already decoded; a coding cookie would make B613 decode the bytes
        # again with another codec (or fail on an unknown one). Neutralise it.
        data = _CODING_COOKIE.sub(rb"\1cod_ng:", head, count=2) + data[len(head) :]
    try:
        tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise BanditError(f"source encoding is not readable: {exc}") from exc
    return text, data


def _to_finding(issue: Any, lines: list[str]) -> Finding:
    rule = bandit_rules().get(issue.test_id)
    line = int(issue.lineno or 0)
    column = max(int(issue.col_offset), 0)
    if issue.test_id == "B613":
        column = max(column - 1, 0)  # bandit reports this one 1-based
    linerange = [int(n) for n in (issue.linerange or []) if n]
    end_line = max([line, *linerange]) if line else 0
    end_column = int(issue.end_col_offset or 0)
    if end_line != line or end_column <= column:
        end_column = len(lines[end_line - 1]) if 0 < end_line <= len(lines) else column
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    if issue.test_id != "B613" and not source_line.isascii():
        column = _code_points(source_line, column)  # ast columns are UTF-8 byte offsets
        if end_line == line:
            end_column = _code_points(source_line, end_column)
    cwe_id = getattr(getattr(issue, "cwe", None), "id", 0)
    severity, confidence = weigh(issue.test_id, issue.severity, issue.confidence)
    if rule is None:  # a third-party bandit plugin
        title, category, cwe = issue.test, "bandit", (f"CWE-{cwe_id}" if cwe_id else None)
    else:
        title, category, cwe = rule.title, rule.category, rule.cwe
    return Finding(
        rule_id=issue.test_id,
        title=title,
        severity=severity,
        confidence=confidence,
        category=category,
        cwe=cwe,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        source_line=source_line,
        message=str(issue.text),
        origin="bandit",
    )


def _code_points(line: str, byte_offset: int) -> int:
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


__all__ = [
    "BanditError",
    "BanditRule",
    "bandit_findings",
    "bandit_floor",
    "bandit_rules",
    "shipped_test_ids",
    "warm_up",
]
