"""Deep recursion for the length of an analysis, and the host's limit back afterwards.

The walk recurses once per tree level; the `ast` gate has already refused anything
deeper than a few thousand levels, and Python-to-Python recursion does not use the C
stack on 3.11+. The limit is process-wide, so overlapping scans in threads are
counted: the first raises it, the last puts the host's value back (unless the host
changed it meanwhile, which then stands). The cyclic collector is never touched here.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

RECURSION_LIMIT = 20_000
_lock = threading.Lock()
_state = {"holders": 0, "saved": 0, "set": 0}


@contextmanager
def deep_recursion(limit: int = RECURSION_LIMIT) -> Iterator[None]:
    """Allow `limit` frames while the block runs; restore the host's limit on exit."""
    with _lock:
        if _state["holders"] == 0:
            _state["saved"] = sys.getrecursionlimit()
            _state["set"] = max(_state["saved"], limit)
            sys.setrecursionlimit(_state["set"])
        _state["holders"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["holders"] -= 1
            if _state["holders"] == 0 and sys.getrecursionlimit() == _state["set"]:
                sys.setrecursionlimit(_state["saved"])
