"""bandit's checks run in-process on the scanned source, weighed by Airlock's own table.

The table itself (rules/bandit.yaml) is read by `analyzer.bandit_weights`, the plugin
registry is loaded by `analyzer.bandit_plugins`, and bandit's visitor and tester are
trimmed in `analyzer.bandit_visit`.

bandit's machinery (extension manager, test set, config) is built once per process;
each call only parses and visits the given source. `# nosec` is never honoured here:
bandit is handed no nosec lines, so a comment cannot hide a finding from the engine,
which alone decides about suppressions. A check that raises is an error, not a
silent skip: `BanditError` tells the engine to fail closed.

bandit's one whole-file check, B613 (trojan source), decodes and splits the whole file
and looks for each of its bidirectional control characters on every line; it can only
report something when one of them is in the text. It runs only then: with none of its
characters in the text, the bytes valid UTF-8 and read as UTF-8, its result is None,
so skipping it changes nothing (its character set is read from the plugin itself).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from functools import cache
from typing import Any

from airlock.analyzer.bandit_plugins import extension_manager, quiet_stdio, shipped_test_ids
from airlock.analyzer.bandit_visit import CheckFailed, lean_tester_class, lean_visitor_class
from airlock.analyzer.bandit_weights import BanditRule, bandit_floor, bandit_rules, weigh
from airlock.analyzer.models import Finding

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
    text, data, as_utf8 = _text_and_bytes(source)
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
        if machinery.bidi is None or not as_utf8 or _holds_any(text, machinery.bidi):
            visitor.tester.run_tests(context, "File")
        elif machinery.file_checks_but_b613 is not None:  # B613 would return None
            tester = machinery.tester_class(
                machinery.file_checks_but_b613, False, {}, machinery.metrics
            )
            tester.results = visitor.tester.results
            tester.run_tests(context, "File")
    except CheckFailed as exc:
        raise BanditError(str(exc)) from exc.__cause__
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
    bidi: tuple[str, ...] | None  # B613's characters; None: B613 always runs
    file_checks_but_b613: _FileChecks | None  # the other whole-file checks, if any


class _FileChecks:
    """A test set holding only the given whole-file checks (what a tester asks for)."""

    def __init__(self, tests: list[Any]) -> None:
        self.tests = tests

    def get_tests(self, checktype: str) -> list[Any]:
        return self.tests if checktype == "File" else []


def _holds_any(text: str, chars: tuple[str, ...]) -> bool:
    return not text.isascii() and any(ch in text for ch in chars)


@cache
def _machinery() -> _Machinery:
    """Load bandit's plugins and build its test set once per process."""
    extension_manager()
    from bandit.core import config, meta_ast, metrics, test_set

    with quiet_stdio():
        conf = config.BanditConfig()
        tests = test_set.BanditTestSet(conf, profile={})
    bidi, others = _trojansource_skip(tests.get_tests("File"))
    return _Machinery(
        test_set=tests,
        meta_ast=meta_ast.BanditMetaAst(),
        metrics=metrics.Metrics(),
        visitor_class=lean_visitor_class(set(tests.tests)),
        tester_class=lean_tester_class(),
        bidi=bidi,
        file_checks_but_b613=_FileChecks(others) if others else None,
    )


def _trojansource_skip(file_tests: list[Any]) -> tuple[tuple[str, ...] | None, list[Any]]:
    """B613's character set and the other whole-file checks, when B613 is bandit's own
    trojansource plugin (whose result is None on text without those characters);
    (None, []) when it is not, or its characters are not where this bandit keeps them:
    then every whole-file check always runs."""
    try:
        from bandit.plugins import trojansource
    except ImportError:
        return None, []
    chars = getattr(trojansource, "BIDI_CHARACTERS", None)
    plugin = getattr(trojansource, "trojansource", None)
    own = [t for t in file_tests if t is plugin or getattr(t, "__wrapped__", None) is plugin]
    if len(own) != 1 or not isinstance(chars, tuple) or not all(isinstance(c, str) for c in chars):
        return None, []
    return chars, [t for t in file_tests if t is not own[0]]


def _text_and_bytes(source: str | bytes) -> tuple[str, bytes, bool]:
    """The text bandit parses, the bytes its file-level checks (B613) read, and whether
    those bytes are valid UTF-8 that `tokenize` reads as UTF-8 (they then decode to the
    text, up to a BOM and the neutralised cookie)."""
    valid = True
    if isinstance(source, bytes):
        data = source
        try:
            text = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BanditError(f"source is not valid UTF-8: {exc}") from exc
    else:
        text = source
        try:
            data = source.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: B613 fails to decode them, as before
            data = source.encode("utf-8", errors="surrogatepass")
            valid = False
    head = b"\n".join(data.split(b"\n", 2)[:2])
    if _CODING_COOKIE.search(head):
        # The text is already decoded; a coding cookie would make B613 decode the bytes
        # again with another codec (or fail on an unknown one). Neutralise it.
        data = _CODING_COOKIE.sub(rb"\1cod_ng:", head, count=2) + data[len(head) :]
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise BanditError(f"source encoding is not readable: {exc}") from exc
    return text, data, valid and encoding in ("utf-8", "utf-8-sig")


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
