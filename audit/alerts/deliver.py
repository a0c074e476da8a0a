"""Alert delivery: an HTTP webhook and a JSON-lines log.

`Delivery` validates its targets when it is built (a malformed or non-HTTP
webhook URL is a `DeliveryConfigError` there, not a failure at send time).
`deliver` never raises: it returns one `DeliveryStatus` per target so the
caller can record failures. The webhook gets one JSON POST per call (short
timeout, one retry, redirects not followed so a POST is never silently turned
into a GET); the log gets one line per alert, each appended with a single
``write`` on an ``O_APPEND`` descriptor, so lines from concurrent writers never
interleave.
"""

from __future__ import annotations

import json
import math
import os
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from airlock.audit.events import AlertDraft

ENV_WEBHOOK = "AIRLOCK_ALERT_WEBHOOK"
ENV_LOG = "AIRLOCK_ALERT_LOG"
ENV_TIMEOUT = "AIRLOCK_ALERT_TIMEOUT"
ENV_ALLOW_HOSTS = "AIRLOCK_ALERT_ALLOW_HOSTS"  # hosts that may be non-public (comma-separated)
ENV_PROXY = "AIRLOCK_ALERT_PROXY"  # a proxy URL for webhooks (proxy variables are ignored)
RETRY_PAUSE_S = 0.25
_EXTRA_FIELDS = ("id", "state", "created_at", "updated_at")


class DeliveryConfigError(ValueError):
    """A delivery target that cannot be used (malformed URL, bad timeout, ...)."""


def check_webhook_url(url: str) -> str:
    """`url` when it is an absolute http(s) URL with a host; DeliveryConfigError otherwise."""
    if not isinstance(url, str) or not url.strip():
        raise DeliveryConfigError("webhook URL is empty")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise DeliveryConfigError("webhook URL contains whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DeliveryConfigError(f"malformed webhook URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        shown = parts.scheme or "(none)"
        raise DeliveryConfigError(f"webhook URL scheme {shown!r} not supported (http or https)")
    if not parts.hostname:
        raise DeliveryConfigError("webhook URL has no host")
    if port == 0:
        raise DeliveryConfigError("webhook URL has port 0")
    if "@" in parts.netloc:
        raise DeliveryConfigError(
            "credentials in the webhook URL are not supported (put a token in the path or query)"
        )
    return url


def _allowed_hosts() -> set[str]:
    raw = os.environ.get(ENV_ALLOW_HOSTS, "")
    return {h.strip().lower().strip("[]") for h in raw.split(",") if h.strip()}


def check_destination(url: str) -> str | None:
    """Why the webhook may not be sent to (None: it may): a host that is, or resolves to,
    a loopback, private, link-local, metadata or otherwise non-public address needs to be
    listed in $AIRLOCK_ALERT_ALLOW_HOSTS."""
    import ipaddress
    import socket

    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in _allowed_hosts():
        return None
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        return f"cannot resolve {host}: {exc}"
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            return (
                f"{host} is a non-public address ({address}); list it in {ENV_ALLOW_HOSTS} "
                "to send alerts there"
            )
    return None


def shown_url(url: str) -> str:
    """The URL without credentials, path or query (webhook paths often hold tokens)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    port = f":{parts.port}" if parts.port else ""
    rest = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{port}{rest}"


@dataclass(frozen=True)
class Delivery:
    """Where alerts go: a webhook URL, a JSON-lines file, both or neither."""

    webhook_url: str | None = None
    jsonl_path: Path | None = None
    timeout_s: float = 3.0

    def __post_init__(self) -> None:
        if self.webhook_url is not None:
            check_webhook_url(self.webhook_url)
        if self.jsonl_path is not None:
            if not str(self.jsonl_path).strip():
                raise DeliveryConfigError("JSON-lines path is empty")
            object.__setattr__(self, "jsonl_path", Path(self.jsonl_path))
        timeout = self.timeout_s
        if isinstance(timeout, bool) or not isinstance(timeout, int | float):
            raise DeliveryConfigError(f"timeout must be a number of seconds, not {timeout!r}")
        if not (math.isfinite(timeout) and 0 < timeout <= 60):
            raise DeliveryConfigError(f"timeout must be > 0 and <= 60 seconds, not {timeout!r}")

    @property
    def enabled(self) -> bool:
        """Whether there is any target at all."""
        return self.webhook_url is not None or self.jsonl_path is not None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Delivery:
        """Targets from AIRLOCK_ALERT_WEBHOOK, AIRLOCK_ALERT_LOG and AIRLOCK_ALERT_TIMEOUT."""
        env = os.environ if environ is None else environ
        webhook = env.get(ENV_WEBHOOK, "").strip() or None
        log = env.get(ENV_LOG, "").strip() or None
        raw_timeout = env.get(ENV_TIMEOUT, "").strip()
        try:
            timeout = float(raw_timeout) if raw_timeout else 3.0
        except ValueError:
            raise DeliveryConfigError(f"{ENV_TIMEOUT}: not a number: {raw_timeout!r}") from None
        try:
            return cls(
                webhook_url=webhook, jsonl_path=Path(log) if log else None, timeout_s=timeout
            )
        except DeliveryConfigError as exc:
            var = ENV_WEBHOOK if "URL" in str(exc) else ENV_TIMEOUT
            raise DeliveryConfigError(f"{var}: {exc}") from None


class DeliveryStatus(BaseModel):
    """What happened at one target."""

    target: Literal["webhook", "jsonl", "config"]  # config: the targets could not be read
    destination: str  # the URL without path and credentials, or the file path
    ok: bool
    delivered: int = 0  # alerts sent or written
    attempts: int = 0
    error: str | None = None


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return str(value)


def alert_payload(alert: object) -> dict[str, Any]:
    """The JSON object for one alert: the AlertDraft fields plus id/state/timestamps if known."""
    if isinstance(alert, BaseModel):
        data: Mapping[str, Any] = alert.model_dump()
    elif isinstance(alert, Mapping):
        data = alert
    else:
        names = (*AlertDraft.model_fields, *_EXTRA_FIELDS)
        data = {name: getattr(alert, name) for name in names if hasattr(alert, name)}
    fields = {name: data[name] for name in AlertDraft.model_fields if name in data}
    if isinstance(fields.get("event_ids"), str):  # a store may keep the ids as a JSON string
        fields["event_ids"] = json.loads(fields["event_ids"])
    payload = AlertDraft.model_validate(fields).model_dump(mode="json")
    for name in _EXTRA_FIELDS:
        if data.get(name) is not None:
            payload[name] = _jsonable(data[name])
    return payload


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}".strip()
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return f"{type(reason).__name__}: {reason}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx becomes an HTTPError: the POST body is never re-sent elsewhere


def _opener() -> urllib.request.OpenerDirector:
    """No redirects; no proxy from the environment (only $AIRLOCK_ALERT_PROXY)."""
    proxy = os.environ.get(ENV_PROXY, "").strip()
    proxies = {"http": proxy, "https": proxy} if proxy else {}
    return urllib.request.build_opener(_NoRedirect(), urllib.request.ProxyHandler(proxies))


def _post(url: str, body: bytes, timeout: float) -> tuple[bool, int, str | None]:
    """POST with an overall deadline of `timeout` per attempt (a server trickling bytes
    cannot hold the sender longer), run in a daemon thread that is abandoned at the deadline."""
    import threading

    outcome: list[tuple[bool, int, str | None]] = []
    worker = threading.Thread(
        target=lambda: outcome.append(_post_now(url, body, timeout)), daemon=True
    )
    worker.start()
    worker.join(2 * timeout + RETRY_PAUSE_S + 0.5)
    if not outcome:
        return False, 2, f"no answer within the delivery deadline ({2 * timeout:g}s)"
    return outcome[0]


def _post_now(url: str, body: bytes, timeout: float) -> tuple[bool, int, str | None]:
    opener = _opener()
    error: str | None = None
    for attempt in (1, 2):
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "airlock"},
        )
        try:
            with opener.open(request, timeout=timeout) as response:
                response.read(65_536)
            return True, attempt, None
        except urllib.error.HTTPError as exc:
            error = _describe(exc)
            exc.close()
            if 300 <= exc.code < 500 and exc.code not in (408, 429):
                return False, attempt, error  # the same request would fail the same way
        except Exception as exc:  # any transport failure is a delivery status, not a crash
            error = _describe(exc)
        if attempt == 1:
            time.sleep(RETRY_PAUSE_S)
    return False, 2, error


def _append(path: Path, payloads: list[dict[str, Any]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    written = 0
    try:
        for payload in payloads:
            line = json.dumps(payload, separators=(",", ":"), default=str) + "\n"
            data = line.encode("utf-8")
            count = os.write(fd, data)  # one write per line: O_APPEND keeps it whole
            if count != len(data):
                raise OSError(f"short write ({count} of {len(data)} bytes)")
            written += 1
    finally:
        os.close(fd)
    return written


def deliver(alerts: Sequence[object], config: Delivery | None = None) -> list[DeliveryStatus]:
    """Send `alerts` (AlertDraft-like models, dicts or rows) to every target; never raises.

    Without `config` the targets come from the environment (`Delivery.from_env`).
    """
    if not alerts:
        return []
    if config is None:
        try:
            config = Delivery.from_env()
        except DeliveryConfigError as exc:
            return [
                DeliveryStatus(target="config", destination="environment", ok=False, error=str(exc))
            ]
    payloads: list[dict[str, Any]] = []
    problems: list[str] = []
    for index, alert in enumerate(alerts):
        try:
            payloads.append(alert_payload(alert))
        except (ValidationError, ValueError, TypeError) as exc:
            problems.append(f"alert {index} skipped: {str(exc).splitlines()[0]}")
    skipped = "; ".join(problems) or None
    statuses: list[DeliveryStatus] = []
    if config.jsonl_path is not None:
        try:
            count = _append(config.jsonl_path, payloads)
            statuses.append(
                DeliveryStatus(
                    target="jsonl",
                    destination=str(config.jsonl_path),
                    ok=not problems,
                    delivered=count,
                    attempts=1,
                    error=skipped,
                )
            )
        except (OSError, ValueError) as exc:
            statuses.append(
                DeliveryStatus(
                    target="jsonl",
                    destination=str(config.jsonl_path),
                    ok=False,
                    attempts=1,
                    error=getattr(exc, "strerror", None) or str(exc),
                )
            )
    if config.webhook_url is not None:
        destination = shown_url(config.webhook_url)
        refused = check_destination(config.webhook_url) if payloads else None
        if refused:
            ok, attempts, error = False, 0, refused
        elif payloads:
            sent_at = datetime.now(UTC).isoformat()
            body = json.dumps(
                {"source": "airlock", "sent_at": sent_at, "alerts": payloads}, default=str
            )
            ok, attempts, error = _post(config.webhook_url, body.encode("utf-8"), config.timeout_s)
        else:
            ok, attempts, error = False, 0, None
        errors = "; ".join(e for e in (error, skipped) if e) or None
        statuses.append(
            DeliveryStatus(
                target="webhook",
                destination=destination,
                ok=ok and not problems,
                delivered=len(payloads) if ok else 0,
                attempts=attempts,
                error=errors,
            )
        )
    return statuses
