"""What every command shares: one error path (message → exit code), the rule set and
store loaders, the `--db` option, time parsing and table/JSON printing.

Exit codes common to every command: 0 success, 1 a store error or an unknown id,
2 bad input (usage), 70 an internal error. `airlock scan` and `airlock run` add their
own (see their help).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from airlock.analyzer.ruleset import RuleSet
    from airlock.audit.store import Store

EXIT_STORE = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70
EXIT_AUTH = 77  # no valid reviewer token for a decision that needs one

TOKEN_HELP = "Reviewer token (from `airlock reviewers add`); prefer $AIRLOCK_TOKEN."
TokenOpt = Annotated[
    str | None, typer.Option("--token", envvar="AIRLOCK_TOKEN", help=TOKEN_HELP, show_default=False)
]

DB_HELP = "Database: a file path or URL (sqlite:///…, postgresql+psycopg://…); default $AIRLOCK_DB or the user data dir."
DbOpt = Annotated[str | None, typer.Option("--db", help=DB_HELP)]
RulesetOpt = Annotated[
    str, typer.Option("--ruleset", "-r", help="A shipped rule set's name or a YAML file.")
]

ID_MAX = 2**63 - 1  # ids are 64-bit signed integers on every engine

_RELATIVE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def command_group(**options: Any) -> typer.Typer:
    """A typer app for one command group: plain help and errors (no rich rendering, whose
    import alone costs more than the rest of `airlock --help`)."""
    return typer.Typer(rich_markup_mode=None, **options)


class UsageError(Exception):
    """Bad input on the command line."""


def first_line(exc: BaseException | str) -> str:
    """The first line of an error's text (its type's name when it has none)."""
    text = str(exc).strip() or (type(exc).__name__ if isinstance(exc, BaseException) else "")
    return (text.splitlines() or ["failed"])[0]


_KEEP = frozenset("\n\t")


def _shown(ch: str) -> str:
    o = ord(ch)
    if o < 0x100:
        return f"\\x{o:02x}"
    return f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}"


def visible(text: object, *, newlines: bool = True) -> str:
    """Untrusted text made safe for a terminal: control and format characters (escape
    sequences, carriage returns, bidi overrides, …) shown as `\\xNN` / `\\uNNNN`.

    Newlines and tabs stay unless `newlines=False` (one-line fields)."""
    import unicodedata

    out = str(text)
    keep = _KEEP if newlines else frozenset()
    if out.isprintable() and not (set(out) & (_KEEP - keep)):
        return out
    return "".join(
        ch
        if ch in keep
        or (ch.isprintable() and unicodedata.category(ch) not in ("Cf", "Cs", "Co"))
        or (ch == " ")
        else _shown(ch)
        for ch in out
    )


def say(text: object = "", *, err: bool = False) -> None:
    """Echo a line that may carry untrusted text, terminal-safe."""
    typer.echo(visible(text), err=err)


def fail(message: str, code: int = EXIT_STORE) -> NoReturn:
    """Print `airlock: error: <first line>` on stderr and exit with `code`."""
    typer.echo(f"airlock: error: {visible(first_line(message), newlines=False)}", err=True)
    raise typer.Exit(code)


@contextmanager
def handled() -> Iterator[None]:
    """Turn store errors, database errors and bad input into one line on stderr."""
    from sqlalchemy.exc import SQLAlchemyError

    from airlock.audit.errors import AuthError, StoreError, explain

    try:
        yield
    except typer.Exit:
        raise
    except AuthError as exc:
        fail(str(exc), EXIT_AUTH)
    except (StoreError, SQLAlchemyError, OSError) as exc:
        fail(explain(exc))
    except (UsageError, ValueError) as exc:
        fail(str(exc), EXIT_USAGE)


def load_ruleset_or_exit(name_or_path: str) -> RuleSet:
    """The named or given rule set, or a one-line usage error."""
    from airlock.analyzer import load_ruleset

    try:
        return load_ruleset(name_or_path)
    except Exception as exc:  # RuleSetError, YAML and validation errors alike
        fail(f"bad rule set {name_or_path!r}: {first_line(exc)}", EXIT_USAGE)


def open_store(db: str | None) -> Store:
    """Open (and migrate) the store named by --db / $AIRLOCK_DB / the default."""
    from airlock.audit.store import Store

    return Store(db)


def store_url(db: str | None) -> str:
    """The store URL as a string (password kept), or a one-line usage error."""
    from airlock.audit.db import resolve_url
    from airlock.audit.errors import StoreError

    try:
        return resolve_url(db).render_as_string(hide_password=False)
    except StoreError as exc:
        fail(str(exc), EXIT_USAGE)


def display_url(url: str) -> str:
    """A store URL fit to print (password hidden)."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def parse_when(text: str, *, future: bool = False) -> datetime:
    """`2026-11-01`, `2026-11-01T12:00`, or relative `24h` / `7d` / `30m` / `2w` (past, or future)."""
    m = _RELATIVE.match(text)
    if m:
        try:
            delta = timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
            now = datetime.now(UTC)
            return now + delta if future else now - delta
        except OverflowError:
            raise UsageError(f"the time {text!r} is out of range") from None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"cannot read the time {text!r} (use 2026-11-01, 2026-11-01T12:00 or 24h/7d)"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def stamp(value: datetime | None) -> str:
    """A compact UTC timestamp for tables."""
    if value is None:
        return "-"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def dump(obj: Any) -> dict[str, Any]:
    """A row or model as JSON-ready data."""
    return obj.model_dump(mode="json")


def print_json(data: Any) -> None:
    """Print data as indented JSON on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=True) + "\n")  # no raw controls


def print_table(title: str | None, columns: list[str], rows: list[list[Any]]) -> None:
    """A rich table on stdout (plain text when not a terminal)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    if not rows:
        typer.echo("(nothing recorded)" if title is None else f"{title}: (nothing recorded)")
        return
    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(Text("-" if v is None else visible(v, newlines=False)) for v in row))
    Console(width=160 if not sys.stdout.isatty() else None).print(table)
