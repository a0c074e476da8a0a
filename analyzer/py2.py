"""Python 2 statements rewritten, line by line, into the Python 3 they mean, for salvage.

Much real attacker code is Python 2: `print "x"`, `except socket.error, e:`,
`exec code in ns`, backticks, `0777`, `10L`, `<>`. Python 3 cannot parse a file holding
one of them, and replacing each such line with `pass` (as salvage does for other errors)
would drop the statements that matter, in files with hundreds of `print`s. Each rewrite
keeps the line where it was (line numbers stay true) and is applied only to a line that is
not Python 3 on its own and is once rewritten: a valid statement is never touched, and a
rewrite that would not compile is dropped (salvage then treats the line as before).
"""

from __future__ import annotations

import re
import warnings

_PRINT_TO = re.compile(r"^(\s*)print\s*>>\s*([^,]+?)\s*,\s*(.+?)\s*$")
_PRINT = re.compile(r"^(\s*)print(?:\s+(?![\s(=.,)\[])(.*?))?\s*$")
_EXCEPT = re.compile(r"^(\s*except\s+)(.+?)\s*,\s*([A-Za-z_]\w*)\s*:(.*)$")
_RAISE = re.compile(r"^(\s*raise\s+)([A-Za-z_][\w.]*)\s*,\s*(.+?)\s*$")
_EXEC = re.compile(r"^(\s*)exec\s+(?![\s(=])(.+?)(?:\s+in\s+(.+?))?\s*$")
_BACKTICK = re.compile(r"`([^`\n]+)`")
_OCTAL = re.compile(r"(?<![\w.])0([0-7]+)\b(?!\.)")
_LONG = re.compile(r"(?<![\w.])(\d+)[lL]\b")
_UR = re.compile(r"(?<![\w])[uU][rR](['\"])")


MAX_LINE = 1_000  # longer lines are left to salvage: the patterns stay linear in the file


def _split_comment(body: str) -> tuple[str, str]:
    """`body` cut before a `#` that is outside quotes (as far as one line can tell)."""
    quote = ""
    i = 0
    while i < len(body):
        c = body[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "#":
            return body[:i].rstrip(), body[len(body[:i].rstrip()) :]
        i += 1
    return body, ""


def _compiles(line: str) -> bool:
    """One line is a Python 3 statement or clause on its own (blocks it opens given a body)."""
    code = line.strip()
    if not code:
        return True
    if code.endswith(":"):
        code += " pass"
    if code.startswith(("except", "finally")):
        code = "try: pass\n" + code
    elif code.startswith(("elif", "else")):
        code = "if 1: pass\n" + code
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # `is 1`, invalid escapes: the scan's, not the user's
        try:
            compile(code, "<line>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return False
    return True


def rewrite(line: str) -> str | None:
    """The Python 3 form of one line of Python 2, or None when it has no Python 2 shape,
    is already Python 3, or would not be Python 3 once rewritten (a rewrite never turns a
    valid statement into one that salvage would then take out)."""
    end = line[len(line.rstrip("\r\n")) :]
    body, comment = _split_comment(line[: len(line) - len(end)])
    if not body.strip() or len(body) > MAX_LINE or _compiles(body):
        return None
    body = body.rstrip()
    out = body
    m = _PRINT_TO.match(out)
    if m:
        out = f"{m[1]}print({m[3].rstrip(',')}, file={m[2]})"
    else:
        m = _PRINT.match(out)
        if m:
            out = f"{m[1]}print({(m[2] or '').rstrip(',')})"
    m = _EXEC.match(out)
    if m:
        out = f"{m[1]}exec({m[2]}, {m[3]})" if m[3] else f"{m[1]}exec({m[2]})"
    m = _EXCEPT.match(out)
    if m:
        out = f"{m[1]}{m[2]} as {m[3]}:{m[4]}"
    m = _RAISE.match(out)
    if m:
        out = f"{m[1]}{m[2]}({m[3]})"
    if "'" not in out and '"' not in out:  # backticks, numbers, operators outside strings
        out = _BACKTICK.sub(r"repr(\1)", out)
        out = _OCTAL.sub(r"0o\1", out)
        out = _LONG.sub(r"\1", out)
        out = out.replace("<>", "!=")
    out = _UR.sub(r"r\1", out)
    if out == body or not _compiles(out):
        return None
    return out + comment + end


def rewrite_all(text: str) -> str | None:
    """`text` with every line of Python 2 shape rewritten, or None when none has one."""
    lines = text.splitlines(keepends=True)
    changed = False
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if not stripped.startswith(("print", "except", "raise", "exec")) and not (
            "`" in line or "<>" in line or _LONG.search(line) or _OCTAL.search(line)
        ):
            continue
        fixed = rewrite(line)
        if fixed is not None:
            lines[i] = fixed
            changed = True
    return "".join(lines) if changed else None
