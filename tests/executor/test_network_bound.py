"""The order of network settings a rule set's bound is judged by: none < loopback < an
allow-list, one allow-list covering another only when it lets through every host and port."""

from __future__ import annotations

import pytest

from airlock.executor.network_bound import within

CASES = [
    ("none", "none", True),
    ("loopback", "none", False),
    ("loopback", "loopback", True),
    ("allow:a.com", "loopback", False),
    ("loopback", "allow:a.com", True),
    ("allow:a.com", "allow:a.com", True),
    ("allow:A.COM:443", "allow:a.com", True),  # canonical names, 443 among the default ports
    ("allow:a.com", "allow:a.com:443", False),  # no port: 80 too
    ("allow:a.com:8080", "allow:a.com", False),
    ("allow:x.a.com", "allow:*.a.com", True),
    ("allow:a.com", "allow:*.a.com", False),  # the suffix is not the name itself
    ("allow:*.x.a.com", "allow:*.a.com", True),
    ("allow:*.a.com", "allow:*.x.a.com", False),
    ("allow:*.a.com", "allow:x.a.com", False),
    ("allow:*.a.com:8080", "allow:*.a.com", False),
    ("allow:a.com,b.com", "allow:a.com", False),
    ("allow:a.com,b.com", "allow:b.com,a.com", True),
    ("allow:1.2.3.4:80", "allow:1.2.3.4", True),
    ("allow:1.2.3.5", "allow:1.2.3.4", False),
]


@pytest.mark.parametrize(("asked", "most", "expected"), CASES)
def test_within(asked: str, most: str, expected: bool) -> None:
    assert within(asked, most) is expected


def test_a_bad_setting_is_a_one_line_value_error() -> None:
    with pytest.raises(ValueError) as exc:
        within("allow:a.com", "allow:a b")
    assert str(exc.value) == "bad host in egress allow-list entry 'a b': not a valid host name"
