"""The network a served run may get: at most what the operator's bound allows.

The operator starts the server with a bound (`airlock serve --network POLICY`: `none`, the
default, `loopback`, or `allow:HOST[:PORT],…`, parsed as the executor's `Limits.network`).
A request asks for a network (none unless it says); it is granted only within the bound:
`loopback` when the bound is `loopback`, an allow-list when every rule of it is covered by
a rule of the bound's allow-list (the same host or a name under a bound `*.suffix`, and only
ports the bound rule allows). Anything else is refused with a one-line reason naming what
was asked and what is allowed.
"""

from __future__ import annotations

from typing import Any

Network = Any  # "none" | "loopback" | AllowList, as Limits.network holds it


class NetworkRefused(Exception):
    """A request asked for more network than the server's bound allows."""


def parse(policy: str) -> Network:
    """A network policy as `Limits.network` holds it; ValueError with one line."""
    from pydantic import ValidationError

    from airlock.executor import Limits

    try:
        return Limits(network=policy).network
    except ValidationError as exc:
        first = exc.errors()[0].get("msg", "invalid") if exc.errors() else "invalid"
        raise ValueError("invalid network: " + first.removeprefix("Value error, ")) from None


def grant(asked: str | None, bound: Network) -> Network:
    """The network to run with for a request that asked for `asked` (None: none);
    ValueError for a malformed policy, NetworkRefused beyond the bound."""
    if asked is None:
        return "none"
    wanted = parse(asked)
    if wanted == "none":
        return wanted
    allowed = "this server allows no network" if bound == "none" else f"this server allows {bound}"
    if wanted == "loopback":
        if bound != "loopback":
            raise NetworkRefused(f"network 'loopback' refused: {allowed}")
        return wanted
    if not _is_allow_list(bound):
        raise NetworkRefused(f"network {str(wanted)!r} refused: {allowed}")
    beyond = wanted.outside(bound)
    if beyond:
        raise NetworkRefused(
            f"network {str(wanted)!r} refused: {', '.join(beyond)} not within {bound}"
        )
    return wanted


def _is_allow_list(value: Network) -> bool:
    from airlock.executor.models import AllowList

    return isinstance(value, AllowList)
