"""Shared pytest configuration.

Hypothesis explores new random examples on every local run; CI (`HYPOTHESIS_PROFILE=ci`,
set by `.ci/run`) runs a fixed, derandomised set so that a landing is reproducible.
`release_run` lets a test release a program that waits for a file `go` in its working
directory, without a clock. Every test, and every `airlock` subprocess a test starts, keeps the on-disk rule-set
cache and the default store in a temporary directory, never the user's (tests that need
a store of their own set AIRLOCK_DB or pass one).
"""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from airlock.analyzer.ruleset_cache import ENV

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True, scope="session")
def _private_user_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    private = {
        ENV: str(tmp_path_factory.mktemp("ruleset-cache")),
        "AIRLOCK_DB": str(tmp_path_factory.mktemp("default-store") / "airlock.db"),
    }
    before = {name: os.environ.get(name) for name in private}
    os.environ.update(private)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


RUN_WORKDIR = "/run/airlock-work"  # a run's working directory, inside its mount view


@pytest.fixture
def release_run() -> Callable[[str], None]:
    """`release(nonce)`: create `go` in the workdir of the run that wrote a file named
    `nonce` there (reached through /proc/PID/root, so it needs root; skipped otherwise)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to reach a run's workdir through /proc/PID/root")

    def release(nonce: str) -> None:
        for _ in range(500):  # bounded: the mark is written before the program waits
            for mark in glob.glob(f"/proc/[0-9]*/root{RUN_WORKDIR}/{nonce}"):
                try:
                    Path(mark).with_name("go").touch()
                    return
                except OSError:
                    continue
            time.sleep(0.02)
        raise AssertionError(f"no run marked {nonce} was found")

    return release
