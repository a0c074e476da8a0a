"""The `airlock` command line, the top floor: one typer app per command group, merged here.

Nothing imports this package. Command modules import what they need (the analyzer, the
store, the executor) inside their command functions, so `airlock --help` and
`airlock scan` in a pre-commit hook pay only for what they use.
"""

from __future__ import annotations

import typer

from airlock.cli import (
    alerts,
    audit,
    dashboard,
    db,
    demo,
    keys,
    mcp,
    records,
    review,
    rules,
    run,
    scan,
    serve,
)
from airlock.cli.common import EXIT_INTERNAL, command_group, first_line

app = command_group(
    name="airlock",
    help="Screen, run and audit Python written by AI agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Screen, run and audit Python written by AI agents."""


@app.command()
def version() -> None:
    """Print Airlock's version."""
    from importlib.metadata import version as _version

    typer.echo(_version("airlock"))


for _group in (scan, run, records, demo, dashboard, serve, mcp):  # groups of one top-level command
    app.add_typer(_group.app)
app.add_typer(rules.app, name="rules")
app.add_typer(review.app, name="review")
app.add_typer(alerts.app, name="alerts")
app.add_typer(audit.app, name="audit")
app.add_typer(db.app, name="db")
app.add_typer(keys.app, name="keys")


def main() -> None:
    """Console-script entry point: never a traceback unless AIRLOCK_DEBUG is set."""
    import os
    import sys

    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("airlock: interrupted\n")
        sys.exit(130)
    except Exception as exc:  # a bug or a broken install: one line, a distinct exit code
        if os.environ.get("AIRLOCK_DEBUG"):
            raise
        sys.stderr.write(
            f"airlock: internal error: {type(exc).__name__}: {first_line(exc)[:300]} "
            "(set AIRLOCK_DEBUG=1 for the traceback)\n"
        )
        sys.exit(EXIT_INTERNAL)
