"""Whether a run's network setting asks for no more than a bound (a rule set's policy).

The settings are ordered none < loopback < an allow-list. ``loopback`` is the run's own
loopback, inside its own network namespace: it reaches nothing of the host's or the
world's, so any bound but ``none`` covers it. An allow-list is covered by another when
every host and port it lets through, the other lets through too: a name by an entry that
matches it, ``*.example.com`` only by itself or a wider ``*.`` suffix, and an entry without
a port stands for 80 and 443.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from airlock.executor.models import AllowList, Limits

if TYPE_CHECKING:
    from airlock.executor.egress import Allow

Network = str | AllowList


def parse(value: Network) -> Network:
    """``value`` as Limits.network holds it; ValueError (one line) for a bad setting."""
    if not isinstance(value, str):
        return value
    try:
        return Limits(network=value).network
    except ValidationError as exc:
        msg = str(exc.errors()[0].get("msg", exc)).removeprefix("Value error, ")
        raise ValueError(msg) from None


def within(asked: Network, most: Network) -> bool:
    """Whether a run asking for ``asked`` gets no more than ``most`` allows."""
    asked, most = parse(asked), parse(most)
    if asked == "none":
        return True
    if most == "none":
        return False
    if asked == "loopback":
        return True
    if not isinstance(asked, AllowList) or not isinstance(most, AllowList):
        return False  # an allow-list asked, loopback the most
    from airlock.executor.egress import DEFAULT_PORTS

    bound = most.entries()
    for entry in asked.entries():
        ports = (entry.port,) if entry.port is not None else DEFAULT_PORTS
        if not all(any(_covers(b, entry, port) for b in bound) for port in ports):
            return False
    return True


def _covers(bound: Allow, entry: Allow, port: int) -> bool:
    """Whether ``bound`` lets through every host of ``entry`` on ``port``."""
    if not entry.host.startswith("*."):
        return bound.matches(entry.host, port)
    # a suffix is covered only by the same suffix or a wider one, on that port
    wider = bound.host.startswith("*.") and ("." + entry.host[2:]).endswith(bound.host[1:])
    return wider and bound.matches("x" + entry.host[1:], port)
