"""Warm interpreters ($AIRLOCK_WARM): a plain run takes a confined interpreter that
preloaded its modules and ran nothing else; no state passes from one run to the next;
runs that do not qualify, and a disabled pool, run cold (the controls)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from airlock.executor import Limits, run, warm

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[warm.WarmPool]:
    monkeypatch.setenv("AIRLOCK_WARM", "1")
    monkeypatch.setenv("AIRLOCK_WARM_MODULES", "json, csv, not a module")
    found = warm.pool()
    assert found is not None and found.modules == ("json", "csv")
    deadline = time.monotonic() + 60
    while found.ready() < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    if found.ready() < 1:
        pytest.skip(f"no warm interpreter could start here: {found.last_error}")
    yield found
    warm.shutdown()


def _wait_ready(pool: warm.WarmPool) -> None:
    deadline = time.monotonic() + 60
    while pool.ready() < 1 and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_plain_run_takes_a_warm_interpreter_with_its_modules(pool: warm.WarmPool) -> None:
    r = run("import sys\nprint('json' in sys.modules, 'csv' in sys.modules)")
    assert r.timing.get("warm") == 1.0 and r.stdout == "True True\n" and r.exit_code == 0
    assert pool.taken == 1
    _wait_ready(pool)
    assert 1 < pool.memory_mb() < 512  # the ready one, as measured after its preload


def test_no_state_passes_between_warm_runs(pool: warm.WarmPool) -> None:
    first = run("secret = 'run one'\nopen('left.txt', 'w').write('x')\nprint('ok')")
    assert first.timing.get("warm") == 1.0 and [f.name for f in first.files] == ["left.txt"]
    _wait_ready(pool)
    second = run("import os\nprint('secret' in dir(), os.path.exists('left.txt'))")
    assert second.timing.get("warm") == 1.0 and second.stdout == "False False\n"


def test_outcomes_of_a_warm_run_come_from_the_host(pool: warm.WarmPool) -> None:
    assert run("import sys; sys.exit(3)").exit_code == 3
    _wait_ready(pool)
    r = run("import time; time.sleep(30)", limits=Limits())
    assert r.timing.get("warm") == 1.0  # default limits still qualify
    assert (r.timed_out, r.killed_by) == (True, "timeout") and r.run_uid is not None


def test_runs_that_do_not_qualify_run_cold(pool: warm.WarmPool) -> None:
    cold = [
        run("print(1)", files={"in.txt": b"x"}),
        run("print(1)", limits=Limits(timeout_s=3)),
        run("print(1)", stdin=b""),
    ]
    assert [r.timing.get("warm") for r in cold] == [None, None, None]
    assert [r.stdout for r in cold] == ["1\n"] * 3
    assert pool.taken == 0


def test_without_the_setting_there_is_no_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRLOCK_WARM", raising=False)
    warm.shutdown()
    assert warm.pool() is None
    r = run("import sys\nprint('json' in sys.modules)")
    assert r.timing.get("warm") is None and r.stdout == "False\n"


def test_a_deferred_block_hands_its_interpreters_back_at_its_end(pool: warm.WarmPool) -> None:
    with warm.deferred():
        first = run("print(1)")
        assert first.timing.get("warm") == 1.0 and first.stdout == "1\n"
        assert pool.ready() == 0
        second = run("print(2)")  # the pool is empty meanwhile: this one runs cold
        assert second.timing.get("warm") is None and second.stdout == "2\n"
    _wait_ready(pool)
    third = run("print('secret' in dir())")
    assert third.timing.get("warm") == 1.0 and third.stdout == "False\n"
    assert pool.taken == 2
