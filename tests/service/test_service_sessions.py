"""Session routes on a real uvicorn server over loopback: state between calls, each call
recorded as the key's with its session and call number, sessions private to their key,
bounded in number, closed on DELETE."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from service_support import make_key as _key
from service_support import serving

from airlock.audit.store import Store
from airlock.service.app import create_app
from airlock.service.sessions import Sessions

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Sessions]]:
    db = str(tmp_path_factory.mktemp("service-sessions") / "store.db")
    store = Store(db)
    registry = Sessions(per_key=2, total=8)
    with serving(create_app(store, sessions=registry)) as base:
        yield base, db, registry
    registry.close_all()
    store.close()


@pytest.fixture(scope="module")
def keys(served: tuple[str, str, Sessions]) -> dict[str, str]:
    _, db, _ = served
    return {
        "agent": _key(db, "sess-agent", "session"),
        "other": _key(db, "sess-other", "session"),
        "exec": _key(db, "exec-only", "execute"),
    }


def _call(method: str, url: str, key: str, **body: object) -> httpx.Response:
    kwargs: dict[str, object] = {"headers": {"X-API-Key": key}, "timeout": 60}
    if body:
        kwargs["json"] = body
    return httpx.request(method, url, **kwargs)  # type: ignore[arg-type]


def test_a_session_keeps_state_and_records_each_call(
    served: tuple[str, str, Sessions], keys: dict[str, str]
) -> None:
    base, db, _ = served
    opened = _call("POST", base + "/sessions", keys["agent"])
    assert opened.status_code == 201, opened.text
    sid = opened.json()["session_id"]
    first = _call("POST", f"{base}/sessions/{sid}/execute", keys["agent"], code="x = 40")
    assert first.json()["success"] is True, first.text
    second = _call("POST", f"{base}/sessions/{sid}/execute", keys["agent"], code="x + 2")
    body = second.json()
    if body.get("decision") == "refused":
        pytest.skip(f"the sandbox refused here: {body['error']}")
    assert (body["success"], body["value"], body["session"]["calls"]) == (True, "42", 2)
    with Store(db) as store:
        d = store.get(body["record_id"])
        assert (d.screening.session_id, d.screening.call_index) == (sid, 2)
        assert d.screening.agent_id == "key:sess-agent"
    state = _call("GET", f"{base}/sessions/{sid}", keys["agent"]).json()
    assert state["alive"] is True and state["calls"] == 2
    closed = _call("DELETE", f"{base}/sessions/{sid}", keys["agent"])
    assert closed.status_code == 200 and closed.json()["closed"] is True
    gone = _call("POST", f"{base}/sessions/{sid}/execute", keys["agent"], code="1")
    assert gone.status_code == 404 and gone.json()["success"] is False


def test_another_keys_session_is_not_found_and_scopes_hold(
    served: tuple[str, str, Sessions], keys: dict[str, str]
) -> None:
    base, _, _ = served
    sid = _call("POST", base + "/sessions", keys["agent"]).json()["session_id"]
    try:
        for method, path in (("GET", ""), ("DELETE", ""), ("POST", "/execute")):
            r = _call(method, f"{base}/sessions/{sid}{path}", keys["other"], code="1")
            assert r.status_code == 404, (method, path, r.text)
        assert _call("GET", f"{base}/sessions/{sid}", keys["agent"]).status_code == 200  # control
        r = _call("POST", base + "/sessions", keys["exec"])
        assert r.status_code == 403 and "session" in r.json()["error"]
    finally:
        _call("DELETE", f"{base}/sessions/{sid}", keys["agent"])


def test_sessions_per_key_are_bounded_and_bad_bodies_refused(
    served: tuple[str, str, Sessions], keys: dict[str, str]
) -> None:
    base, _, _ = served
    made = [_call("POST", base + "/sessions", keys["other"]) for _ in range(3)]
    try:
        assert [r.status_code for r in made] == [201, 201, 429]
        assert "live sessions" in made[2].json()["error"]
        bad = _call("POST", base + "/sessions", keys["agent"], memory_mb=10**9)
        assert bad.status_code == 422
        sid = made[0].json()["session_id"]
        slow = _call("POST", f"{base}/sessions/{sid}/execute", keys["other"], code="1", timeout=0)
        assert slow.status_code == 400 and "timeout" in slow.json()["error"]
    finally:
        for r in made[:2]:
            _call("DELETE", f"{base}/sessions/{r.json()['session_id']}", keys["other"])


def test_the_client_opens_calls_and_closes_a_session(
    served: tuple[str, str, Sessions], keys: dict[str, str]
) -> None:
    from airlock.client import AirlockError, Client

    base, _, _ = served
    with Client(base, api_key=keys["agent"]) as client:
        sid = client.open_session(idle_timeout=60)
        assert client.execute("y = 6", session_id=sid)["success"] is True
        reply = client.execute("y * 7", session_id=sid)
        assert (reply["success"], reply["value"]) == (True, "42")
        assert client.session(sid)["calls"] == 2
        assert client.close_session(sid)["closed"] is True
        with pytest.raises(AirlockError, match="HTTP 404"):
            client.session(sid)
        bad = client.execute("1", session_id="../records/1")
        assert bad["success"] is False and "invalid session id" in bad["error"]
