"""Who is acting, for review and alert changes recorded without an explicit `--by`."""

from __future__ import annotations

import os


def default_user() -> str:
    """$USER, else the login name, else "unknown"."""
    user = os.environ.get("USER")
    if user:
        return user
    try:
        import getpass

        return getpass.getuser()
    except Exception:
        return "unknown"
