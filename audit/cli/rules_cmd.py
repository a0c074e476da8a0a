"""`airlock` commands: rules_cmd (not yet built)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the `airlock` app."""
