"""`scan` leaves the host interpreter as it found it: collector and recursion limit."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from engine_helpers import RULES
from test_bad_input import BAD

from airlock.analyzer.recursion import RECURSION_LIMIT, deep_recursion
from airlock.analyzer.scan import scan

ORDINARY = "import os\n\ndef f(x):\n    return os.path.join(x, 'a')\n\nprint(f('b'))\n"
DEEP = [name for name in BAD if "nested" in name or "deep" in name]


def host_state() -> tuple[bool, int]:
    return gc.isenabled(), sys.getrecursionlimit()


def changes_host_state(action: Callable[[], object]) -> bool:
    """True if running `action` leaves the collector or the recursion limit changed."""
    before = host_state()
    action()
    return host_state() != before


@contextmanager
def restored() -> Iterator[None]:
    enabled, limit = host_state()
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)
        if enabled:
            gc.enable()
        else:
            gc.disable()


@pytest.mark.parametrize("name", ["ordinary", *DEEP])
def test_scan_leaves_gc_and_recursion_limit_alone(name: str) -> None:
    source = ORDINARY if name == "ordinary" else BAD[name]
    assert not changes_host_state(lambda: scan(source, ruleset=RULES))


def test_the_check_notices_a_change() -> None:
    """Negative control: what `scan` used to do (GC off, deeper limit) is caught."""
    with restored():
        assert changes_host_state(gc.disable)
    with restored():
        assert changes_host_state(lambda: sys.setrecursionlimit(sys.getrecursionlimit() + 7))


def test_a_host_with_the_collector_off_keeps_it_off() -> None:
    with restored():
        gc.disable()
        scan(ORDINARY, ruleset=RULES)
        assert not gc.isenabled()


def test_a_host_limit_is_put_back_exactly() -> None:
    with restored():
        sys.setrecursionlimit(1234)
        scan(BAD["50k nested parens"], ruleset=RULES)
        assert sys.getrecursionlimit() == 1234


def test_the_limit_is_raised_only_while_the_analysis_runs() -> None:
    with restored():
        sys.setrecursionlimit(1500)
        with deep_recursion():
            assert sys.getrecursionlimit() == RECURSION_LIMIT
            with deep_recursion():  # nested and overlapping holders share one raise
                pass
            assert sys.getrecursionlimit() == RECURSION_LIMIT
        assert sys.getrecursionlimit() == 1500


def test_a_limit_the_host_sets_during_a_scan_stands() -> None:
    with restored():
        with deep_recursion():
            sys.setrecursionlimit(4321)
        assert sys.getrecursionlimit() == 4321


def test_overlapping_scans_in_threads_restore_once() -> None:
    with restored():
        sys.setrecursionlimit(1700)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                scan(BAD["deep binop chain"], ruleset=RULES)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert sys.getrecursionlimit() == 1700
