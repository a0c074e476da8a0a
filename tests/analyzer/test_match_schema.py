"""The match schema declares exactly the checks the engine implements."""

from __future__ import annotations

import pytest

from airlock.analyzer.checks import CHECKS
from airlock.analyzer.match_schema import CHECK_NAMES, validate_match


def test_schema_names_every_engine_check() -> None:
    assert set(CHECKS) == CHECK_NAMES


def test_unknown_check_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown check"):
        validate_match({"check": "no_such_check"})
