"""The dashboard's OpenID Connect sign-in: an operator's config file → Streamlit's `[auth]`.

`airlock dashboard --oidc-config FILE` (or `$AIRLOCK_DASHBOARD_OIDC`) reads a TOML file
with the provider's `server_metadata_url`, `client_id` and `client_secret`, and optionally
`redirect_uri` (default: the served URL + `/oauth2callback`) and `cookie_secret` (default:
a fresh random one per start, so a restart signs everyone out). It writes Streamlit's
secrets file, holding only that `[auth]` table, 0600 in a fresh 0700 directory under the
system's temporary directory: never the working directory, the interpreter's tree or
the package (what runs or agents may read); the served dashboard removes it when it stops
and hides it from every run it starts. Streamlit is pointed at that file alone, so a
`.streamlit/secrets.toml` someone left in the working directory configures nothing.
"""

from __future__ import annotations

import os
import secrets
import stat
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from airlock.cli.common import UsageError

REQUIRED = ("server_metadata_url", "client_id", "client_secret")
OPTIONAL = ("redirect_uri", "cookie_secret")
CALLBACK = "/oauth2callback"
LOOPBACK = ("localhost", "127.0.0.1", "::1")
PREFIX = "airlock-dashboard-"


def read_config(path: Path) -> dict[str, str]:
    """The operator's settings (the top level of the file, or its `[auth]` table)."""
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read the OIDC config {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"the OIDC config {path} is not valid TOML: {exc}") from None
    if set(data) == {"auth"} and isinstance(data["auth"], dict):
        data = data["auth"]
    unknown = sorted(set(data) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise UsageError(
            f"the OIDC config {path} has unknown keys {unknown} "
            f"(known: {', '.join(REQUIRED + OPTIONAL)})"
        )
    missing = [k for k in REQUIRED if not data.get(k)]
    if missing:
        raise UsageError(f"the OIDC config {path} lacks {', '.join(missing)}")
    bad = [k for k, v in data.items() if not isinstance(v, str) or not v.strip()]
    if bad:
        raise UsageError(f"the OIDC config {path}: {', '.join(bad)} must be non-empty strings")
    return {k: str(v).strip() for k, v in data.items()}


def _url(value: str, key: str) -> str:
    """An https URL, or http on loopback (where a browser treats it as secure)."""
    try:
        url = urlsplit(value)
        host = url.hostname or ""
    except ValueError:
        raise UsageError(f"OIDC {key} {value!r} is not a URL") from None
    if not host or not (url.scheme == "https" or (url.scheme == "http" and host in LOOPBACK)):
        raise UsageError(f"OIDC {key} {value!r}: use https:// (http:// only on loopback)")
    return value


def auth_section(config: dict[str, str], *, host: str, port: int) -> dict[str, str]:
    """Streamlit's `[auth]` table for these settings, served on host:port."""
    _url(config["server_metadata_url"], "server_metadata_url")
    redirect = config.get("redirect_uri")
    if redirect is None:
        if host not in LOOPBACK:
            raise UsageError(
                f"the dashboard binds {host}: give redirect_uri in the OIDC config "
                "(the URL browsers reach it at, ending in /oauth2callback)"
            )
        shown = f"[{host}]" if ":" in host else host
        redirect = f"http://{shown}:{port}{CALLBACK}"
    _url(redirect, "redirect_uri")
    if not urlsplit(redirect).path.endswith(CALLBACK):
        raise UsageError(f"OIDC redirect_uri {redirect!r} must end in {CALLBACK}")
    cookie = config.get("cookie_secret") or secrets.token_urlsafe(32)
    if len(cookie) < 32:
        raise UsageError("OIDC cookie_secret must be at least 32 characters (or leave it out)")
    return {
        "redirect_uri": redirect,
        "cookie_secret": cookie,
        "client_id": config["client_id"],
        "client_secret": config["client_secret"],
        "server_metadata_url": config["server_metadata_url"],
    }


def served_name(auth: dict[str, str]) -> str:
    """The `host[:port]` browsers name the dashboard by after signing in (redirect_uri's)."""
    return urlsplit(auth["redirect_uri"]).netloc.lower()


def _toml(auth: dict[str, str]) -> str:
    import json

    # JSON string literals are valid TOML basic strings for what these values hold
    lines = ["[auth]", *(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in auth.items())]
    return "\n".join(lines) + "\n"


def _inside(path: Path, tree: Path) -> bool:
    return path == tree or tree in path.parents


def write_secrets(auth: dict[str, str]) -> Path:
    """Write the secrets file (0600, in a fresh 0700 directory); returns its path."""
    directory = Path(tempfile.mkdtemp(prefix=PREFIX)).resolve()
    trees = {p.resolve() for p in (Path.cwd(), Path(sys.prefix), Path(__file__).parents[1])}
    if any(_inside(directory, tree) for tree in trees if tree != Path("/")):
        os.rmdir(directory)
        raise UsageError(
            f"the temporary directory {directory.parent} lies in a tree runs may read; "
            "set TMPDIR to a private place"
        )
    path = directory / "secrets.toml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(_toml(auth))
    return path


def loose_permissions(path: Path) -> bool:
    """True when the operator's config (it holds the client secret) is readable by others."""
    try:
        return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return False
