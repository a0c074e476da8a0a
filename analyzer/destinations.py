"""Where a network send goes: services that receive stolen data, and bare addresses.

Stealers post what they collect where the attacker reads it without owning a named
server: paste and file-drop sites, chat webhooks and bots, tunnels, mock APIs and
out-of-band callback hosts, or a hard-coded public IP address. `drop_destination`
names the one a send's URL points at, from the URL's possible texts.
"""

from __future__ import annotations

import ipaddress
import re

DROP_SERVICES = re.compile(
    r"pastebin\.com|paste\.ee|hastebin|transfer\.sh|webhook\.site|discord(app)?\.com/api/webhooks|"
    r"api\.telegram\.org/bot|ngrok\.(io|app)|ngrok-free\.(app|dev)|requestbin|pipedream\.net|"
    r"interact\.sh|oast\.(fun|pro|live|site|online|me)|burpcollaborator|0x0\.st|file\.io|"
    r"anonfiles|termbin\.com|paste\.rs|rentry\.(co|org)|dpaste\.(com|org)|ghostbin|controlc\.com|"
    r"pastes\.io|justpaste\.it|trycloudflare\.com|serveo\.net|loca\.lt|localhost\.run|"
    r"pagekite\.me|bore\.pub|playit\.gg|dnslog\.cn|ceye\.io|oastify\.com|canarytokens\.com|"
    r"requestrepo\.com|interactsh\.com|beeceptor\.com|hookbin\.com|postb\.in|ptsv[23]\.com|"
    r"gofile\.io|catbox\.moe|bashupload\.com|temp\.sh|tmpfiles\.org|filebin\.net|uguu\.se|"
    r"pixeldrain\.com|mockapi\.io|webhook\.office\.com|hooks\.slack\.com/services|"
    r"script\.google\.com/macros|workers\.dev|repl\.co|glitch\.me|pythonanywhere\.com|"
    r"herokuapp\.com|000webhostapp\.com|github\.io/.*\?|\bpaste\.[a-z0-9-]+\.[a-z]{2,}",
    re.IGNORECASE,
)
HOST = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^@/]*@)?\[?([^/\]:?#]+)", re.IGNORECASE)


def _public_ip(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_global


def drop_destination(texts: list[str]) -> str | None:
    """The drop service or public IP address a URL's possible texts name, if any."""
    for text in texts:
        m = DROP_SERVICES.search(text)
        if m:
            return m.group(0)
        h = HOST.match(text.strip())
        if h and _public_ip(h.group(1)):
            return h.group(1)
    return None
