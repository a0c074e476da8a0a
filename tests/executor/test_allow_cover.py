"""An allow-list within another: `Allow.covers` agrees with what the proxy lets through
(`Allow.matches`), and `AllowList.outside` names the rules a bound does not cover."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from airlock.executor.egress import Allow
from airlock.executor.models import AllowList

LABELS = st.sampled_from(["a", "b", "example", "com"])
NAMES = st.lists(LABELS, min_size=1, max_size=3).map(".".join)
HOSTS = st.one_of(NAMES, NAMES.map(lambda n: "*." + n), st.sampled_from(["127.0.0.1", "::1"]))
PORTS = st.one_of(st.none(), st.sampled_from([80, 443, 8080]))


def _rule(host: str, port: int | None) -> Allow:
    if port is not None:
        host = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return AllowList.parse(host).entries()[0]


RULES = st.builds(_rule, HOSTS, PORTS)


@given(bound=RULES, asked=RULES, host=NAMES, port=st.sampled_from([80, 443, 8080, 22]))
def test_what_a_covered_rule_lets_through_its_cover_lets_through(
    bound: Allow, asked: Allow, host: str, port: int
) -> None:
    if bound.covers(asked) and asked.matches(host, port):
        assert bound.matches(host, port)


def test_outside_names_exactly_the_uncovered_rules() -> None:
    bound = AllowList.parse("allow:*.example.com:443,api.x.org,127.0.0.1:8080")
    asked = AllowList.parse("allow:a.example.com:443,*.b.example.com:443,api.x.org:80")
    assert asked.outside(bound) == []
    beyond = AllowList.parse("allow:example.com:443,a.example.com,api.x.org:8080,127.0.0.1")
    assert beyond.outside(bound) == [
        "example.com:443",
        "a.example.com",
        "api.x.org:8080",
        "127.0.0.1",
    ]
    # control: every rule covers itself, and a bound covers its own list
    assert bound.outside(bound) == [] and all(e.covers(e) for e in bound.entries())
