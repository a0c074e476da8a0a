"""Python 2 statements rewritten, line by line, into the Python 3 they mean, for salvage.

Much real attacker code is Python 2: `print "x"`, `except socket.error, e:`,
`exec code in ns`, backticks, `0777`, `10L`, `<>`. Python 3 cannot parse a file holding
one of them, and replacing each such line with `pass` (as salvage does for other errors)
would drop the statements that matter, in files with hundreds of `print`s. Each rewrite
keeps the line where it was (line numbers stay true) and is applied only to a line whose
shape is Python 2 syntax, outside strings as far as a line can tell.
"""

from __future__ import annotations

import re

_PRINT_TO = re.compile(r"^(\s*)print\s*>>\s*([^,]+?)\s*,\s*(.+?)\s*$")
_PRINT = re.compile(r"^(\s*)print(?:\s+(?![\s(=.,)\[])(.*?))?\s*$")
_EXCEPT = re.compile(r"^(\s*except\s+)(.+?)\s*,\s*([A-Za-z_]\w*)\s*:(.*)$")
_RAISE = re.compile(r"^(\s*raise\s+)([A-Za-z_][\w.]*)\s*,\s*(.+?)\s*$")
_EXEC = re.compile(r"^(\s*)exec\s+(?![\s(=])(.+?)(?:\s+in\s+(.+?))?\s*$")
_BACKTICK = re.compile(r"`([^`\n]+)`")
_OCTAL = re.compile(r"(?<![\w.])0([0-7]+)\b(?!\.)")
_LONG = re.compile(r"(?<![\w.])(\d+)[lL]\b")
_UR = re.compile(r"(?<![\w])[uU][rR](['\"])")


def rewrite(line: str) -> str | None:
    """The Python 3 form of one line of Python 2, or None when it has no Python 2 shape."""
    end = line[len(line.rstrip("\r\n")) :]
    body = line[: len(line) - len(end)]
    if "#" in body or not body.strip():
        return None  # a comment could hold anything the patterns below would misread
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
    if "`" in out:
        out = _BACKTICK.sub(r"repr(\1)", out)
    if "'" not in out and '"' not in out:  # numbers and operators outside strings
        out = _OCTAL.sub(r"0o\1", out)
        out = _LONG.sub(r"\1", out)
        out = out.replace("<>", "!=")
    out = _UR.sub(r"r\1", out)
    return out + end if out != body else None


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
