"""Identifiers as the interpreter sees them."""

from __future__ import annotations

import unicodedata


def norm(name: str) -> str:
    """Python NFKC-normalises identifiers: `ｅｖａｌ` *is* `eval` to the interpreter."""
    return name if name.isascii() else unicodedata.normalize("NFKC", name)
