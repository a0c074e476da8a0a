"""The `airlock` command line: one typer app, each command group in its own module.

Command modules import their heavy dependencies (the store, streamlit, the
executor) inside the command functions so that `airlock scan` in a pre-commit
hook starts fast.
"""

from __future__ import annotations

import typer

from airlock.cli import dashboard_cmd, records_cmd, rules_cmd, run_cmd, scan_cmd

app = typer.Typer(
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


for _module in (scan_cmd, rules_cmd, run_cmd, records_cmd, dashboard_cmd):
    _module.register(app)


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
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        sys.stderr.write(
            f"airlock: internal error: {type(exc).__name__}: {first} "
            "(set AIRLOCK_DEBUG=1 for the traceback)\n"
        )
        sys.exit(70)
