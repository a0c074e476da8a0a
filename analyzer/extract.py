"""The Python code blocks of an LLM reply (being built)."""

from __future__ import annotations


def extract_code(text: str) -> list[str]:
    """Return the Python code blocks of an LLM reply, in order."""
    raise NotImplementedError
