"""bandit's plugin registry, loaded once and quietly, and the documentation of its checks.

stevedore and bandit log and print while loading plugins; none of that reaches the
caller's terminal. The registry is what both the bridge (to run the checks) and the
weight table (to describe them) read.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from functools import cache
from typing import Any


@cache
def extension_manager() -> Any:
    """bandit's plugin registry, loaded quietly (stevedore warns about its own arguments)."""
    import warnings

    silence_bandit_logging()
    stevedore_log = logging.getLogger("stevedore")
    level = stevedore_log.level
    stevedore_log.setLevel(logging.CRITICAL + 1)  # optional formatters (sarif_om) may be absent
    try:
        with warnings.catch_warnings(), quiet_stdio():
            warnings.simplefilter("ignore")
            from bandit.core import extension_loader
    finally:
        stevedore_log.setLevel(level)
    return extension_loader.MANAGER


def shipped_test_ids() -> set[str]:
    """Every test id the installed bandit ships (plugins and blacklist entries)."""
    manager = extension_manager()
    return set(manager.plugins_by_id) | set(manager.blacklist_by_id)


def bandit_docs() -> dict[str, tuple[str, str]]:
    """bandit's one-line summary and documentation URL for every shipped test id."""
    manager = extension_manager()
    import bandit

    base = f"https://bandit.readthedocs.io/en/{bandit.__version__}/"
    docs: dict[str, tuple[str, str]] = {}
    for test_id, ext in manager.plugins_by_id.items():
        url = f"{base}plugins/{test_id.lower()}_{ext.plugin.__name__}.html"
        docs[test_id] = (doc_summary(ext.plugin.__doc__ or ""), url)
    for test_id, entry in manager.blacklist_by_id.items():
        kind = "calls" if test_id.startswith("B3") else "imports"
        message = str(entry.get("message", "")).replace("{name}", "this module")
        docs[test_id] = (message, f"{base}blacklists/blacklist_{kind}.html")
    return docs


def doc_summary(doc: str) -> str:
    """The first prose paragraph of a bandit plugin docstring (after its RST title)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", doc) if p.strip()]
    for para in paragraphs:
        if para.startswith(("=", "..", ":")) or re.fullmatch(r"[=\-~\w\s:()]+\n[=\-~]+", para):
            continue
        text = " ".join(line.strip() for line in para.splitlines()).replace("**", "")
        return re.sub(r"^B\d+: ", "", text)
    return ""


def silence_bandit_logging() -> None:
    """bandit logs every node at debug level and warns on odd input: keep it quiet."""
    logger = logging.getLogger("bandit")
    logger.setLevel(logging.CRITICAL + 1)
    logger.propagate = False
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


@contextlib.contextmanager
def quiet_stdio() -> Iterator[None]:
    """Plugin loading may print warnings; keep them off the caller's terminal."""
    with (
        open(os.devnull, "w") as devnull,
        contextlib.redirect_stdout(devnull),
        contextlib.redirect_stderr(devnull),
    ):
        yield
