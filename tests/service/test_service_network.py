"""The network a served run may get, bounded by the operator (`airlock serve --network`):
a request within the bound is granted and recorded, one beyond it gets 403 naming what was
asked and what is allowed. Loopback servers on the host only; network code is held for
review, so the granted network is seen in the record and when a reviewer approves it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from service_support import make_key, serving
from typer.testing import CliRunner

from airlock.audit.reviews import decide
from airlock.audit.store import Store
from airlock.cli import app as cli
from airlock.service.app import create_app
from airlock.service.network import parse
from tests.executor.executor_support import need
from tests.executor.loopback_servers import hello_server

pytestmark = [pytest.mark.timeout(120), need("network", "filesystem", "tree_kill")]

FETCH = (
    "import urllib.request\n"
    "try:\n"
    "    print(urllib.request.urlopen('http://127.0.0.1:{port}/x', timeout=20).read().decode())\n"
    "except OSError as exc:\n"
    "    print('unreachable', type(exc).__name__)\n"
)


@pytest.fixture(scope="module")
def web() -> Iterator[int]:
    with hello_server() as port:
        yield port


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, web: int) -> Iterator[dict[str, Any]]:
    db = str(tmp_path_factory.mktemp("network") / "store.db")
    store = Store(db)
    bound = parse(f"allow:127.0.0.1:{web},*.example.com:443")
    with (
        serving(create_app(store, network=bound)) as base,
        serving(create_app(store)) as closed,  # the default bound: no network at all
    ):
        yield {
            "base": base,
            "closed": closed,
            "store": store,
            "key": make_key(db, "netter", "execute"),
            "sessions": make_key(db, "net-sessions", "session"),
            "reviewer": store.add_reviewer("rita"),
        }
    store.close()


def _post(base: str, path: str, key: str, **body: Any) -> httpx.Response:
    return httpx.post(base + path, json=body, headers={"X-API-Key": key}, timeout=60)


def _approve_and_run(s: dict[str, Any], record_id: int) -> Any:
    outcome = decide(s["store"], record_id, "approved", token=s["reviewer"])
    assert outcome.result is not None, outcome
    return outcome.result


def test_a_network_within_the_bound_is_granted_recorded_and_used(
    served: dict[str, Any], web: int
) -> None:
    s = served
    reply = _post(
        s["base"],
        "/execute",
        s["key"],
        code=FETCH.format(port=web),
        network=f"allow:127.0.0.1:{web}",
    )
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert data["decision"] == "held_for_review"  # network code waits for a person
    screening = s["store"].get(data["record_id"]).screening
    assert screening.limits["network"] == f"allow:127.0.0.1:{web}"
    result = _approve_and_run(s, data["record_id"])
    assert result.stdout.startswith("hello /x via"), result.stdout + result.stderr
    assert [(a.port, a.allowed) for a in result.egress] == [(web, True)]
    # control: the same code asking for no network is recorded so and reaches nothing
    plain = _post(s["base"], "/execute", s["key"], code=FETCH.format(port=web)).json()
    assert s["store"].get(plain["record_id"]).screening.limits["network"] == "none"
    assert _approve_and_run(s, plain["record_id"]).stdout.startswith("unreachable")


def test_a_network_beyond_the_bound_is_refused_naming_what_was_asked_and_allowed(
    served: dict[str, Any], web: int
) -> None:
    s = served
    bound = f"allow:127.0.0.1:{web},*.example.com:443"
    beyond = {
        f"allow:127.0.0.1:{web + 1}": f"127.0.0.1:{web + 1} not within {bound}",
        "allow:*.example.com": f"*.example.com not within {bound}",  # port 80 too
        "allow:example.com:443": f"example.com:443 not within {bound}",
        "loopback": f"this server allows {bound}",
    }
    for asked, reason in beyond.items():
        reply = _post(s["base"], "/execute", s["key"], code="print(1)", network=asked)
        assert reply.status_code == 403, reply.text
        error = reply.json()["error"]
        assert asked in error and reason in error and "\n" not in error, error
    within = ("none", "allow:api.example.com:443", f"allow:*.b.example.com:443,127.0.0.1:{web}")
    for asked in within:  # control: within the bound, the same request is answered
        reply = _post(s["base"], "/execute", s["key"], code="print(1)", network=asked)
        assert reply.status_code == 200 and reply.json()["output"] == "1\n", reply.text
    assert _post(s["base"], "/execute", s["key"], code="1", network="ftp:x").status_code == 400
    # a server started without --network grants none
    for asked in ("loopback", f"allow:127.0.0.1:{web}"):
        reply = _post(s["closed"], "/execute", s["key"], code="print(1)", network=asked)
        assert reply.status_code == 403 and "this server allows no network" in reply.json()["error"]
    assert _post(s["closed"], "/execute", s["key"], code="print(1)").status_code == 200


def test_a_session_gets_its_network_when_it_opens(served: dict[str, Any], web: int) -> None:
    s = served
    asked = f"allow:127.0.0.1:{web}"
    refused = _post(s["base"], "/sessions", s["sessions"], network="loopback")
    assert refused.status_code == 403 and "loopback" in refused.json()["error"]
    opened = _post(s["base"], "/sessions", s["sessions"], network=asked)
    assert opened.status_code == 201, opened.text
    sid = opened.json()["session_id"]
    try:
        call = _post(s["base"], f"/sessions/{sid}/execute", s["sessions"], code="x = 1")
        assert call.json()["success"], call.text
        assert s["store"].get(call.json()["record_id"]).screening.limits["network"] == asked
        other = _post(
            s["base"], f"/sessions/{sid}/execute", s["sessions"], code="x", network="none"
        )
        assert other.status_code == 400 and "when it opens" in other.json()["error"]
    finally:
        httpx.delete(f"{s['base']}/sessions/{sid}", headers={"X-API-Key": s["sessions"]})


def test_serve_and_mcp_refuse_a_malformed_bound_in_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")
    for command in ("serve", "mcp"):
        out = CliRunner().invoke(cli, [command, "--db", db, "--network", "allow:"])
        assert out.exit_code == 2, out.output
        assert out.output.count("\n") == 1 and "--network" in out.output, out.output
