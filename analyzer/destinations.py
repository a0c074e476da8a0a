"""Where a network send goes: services that receive stolen data, and bare addresses.

Stealers post what they collect where the attacker reads it without owning a named
server: paste and file-drop sites, chat webhooks and bots, tunnels, mock APIs and
out-of-band callback hosts, or a hard-coded public IP address. The services are the
rule set's host tables (`drop_hosts`, `oob_hosts`, `free_hosting` in rules/default.yaml,
analyzer/tables.py); `drop_destination` names the one a send's URL points at, from the
URL's possible texts.
"""

from __future__ import annotations

import ipaddress
import re

HOST = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^@/]*@)?\[?([^/\]:?#]+)", re.IGNORECASE)


def _public_ip(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_global


def drop_destination(texts: list[str], services: re.Pattern[str] | None) -> str | None:
    """The drop service (of `services`) or public IP address a URL's texts name, if any."""
    for text in texts:
        m = services.search(text) if services is not None else None
        if m:
            return m.group(0)
        h = HOST.match(text.strip())
        if h and _public_ip(h.group(1)):
            return h.group(1)
    return None
