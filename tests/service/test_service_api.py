"""The HTTP API on a real uvicorn server over loopback, with keys made by the real
`airlock keys` command and code run by the real pipeline into a real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from service_support import make_key as _key
from service_support import serving
from typer.testing import CliRunner

from airlock.audit.store import Store
from airlock.cli import app as cli
from airlock.service.app import create_app


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    db = str(tmp_path_factory.mktemp("service") / "store.db")
    store = Store(db)
    with serving(create_app(store, max_body_bytes=50_000)) as base:
        yield base, db
    store.close()


@pytest.fixture(scope="module")
def keys(served: tuple[str, str]) -> dict[str, str]:
    _, db = served
    return {
        "agent": _key(db, "agent-7", "execute"),
        "other": _key(db, "agent-8", "execute"),
        "scanner": _key(db, "ci-scanner", "scan"),
        "reviewer": _key(db, "alice", "review"),
    }


def _post(base: str, path: str, key: str | None, **body: object) -> httpx.Response:
    headers = {"X-API-Key": key} if key else {}
    return httpx.post(base + path, json=body, headers=headers, timeout=30)


def test_execute_keeps_the_remote_sandbox_contract_and_records_the_keys_identity(
    served: tuple[str, str], keys: dict[str, str]
) -> None:
    base, db = served
    reply = _post(
        base,
        "/execute",
        keys["agent"],
        code="print(6 * 7)",
        language="python",
        timeout=10,
        agent_id="admin",  # claimed identity: ignored
    )
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert data["success"] is True and data["output"] == "42\n" and data["error"] is None
    assert data["verdict"] == "allow" and data["decision"] == "ran" and data["exit_code"] == 0
    with Store(db) as store:
        assert store.get(data["record_id"]).screening.agent_id == "key:agent-7"


def test_blocked_code_does_not_run_and_says_why(
    served: tuple[str, str], keys: dict[str, str]
) -> None:
    base, _ = served
    code = "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n"
    data = _post(base, "/execute", keys["agent"], code=code, language="python").json()
    assert data["success"] is False and data["decision"] == "blocked" and data["output"] == ""
    assert data["error"].startswith("blocked by Airlock") and data["exit_code"] is None


def test_a_key_is_required_and_its_scopes_are_enforced(
    served: tuple[str, str], keys: dict[str, str]
) -> None:
    base, _ = served
    for key in (None, "alk_" + "x" * 43, "not-a-key"):
        reply = _post(base, "/execute", key, code="print(1)")
        assert reply.status_code == 401 and reply.json()["success"] is False, reply.text
    reply = _post(base, "/execute", keys["scanner"], code="print(1)")
    assert reply.status_code == 403 and "lacks the 'execute' scope" in reply.json()["error"]
    reply = _post(base, "/scan", keys["agent"], code="print(1)")
    assert reply.status_code == 403
    reply = _post(base, "/scan", keys["scanner"], code="import os\nos.system('id')\n")  # control
    assert reply.status_code == 200 and reply.json()["verdict"] in ("review", "block")


def test_a_revoked_key_stops_working(served: tuple[str, str]) -> None:
    base, db = served
    key = _key(db, "short-lived", "scan")
    assert _post(base, "/scan", key, code="x = 1").status_code == 200
    assert CliRunner().invoke(cli, ["keys", "revoke", "short-lived", "--db", db]).exit_code == 0
    reply = _post(base, "/scan", key, code="x = 1")
    assert reply.status_code == 401 and reply.json()["error"] == "revoked API key"
    again = CliRunner().invoke(
        cli, ["keys", "create", "short-lived", "--scope", "scan", "--db", db]
    )
    assert again.exit_code == 1 and "names are never reused" in again.output


def test_records_are_readable_by_their_key_and_by_reviewers_only(
    served: tuple[str, str], keys: dict[str, str]
) -> None:
    base, _ = served
    rid = _post(base, "/execute", keys["agent"], code="print('mine')").json()["record_id"]
    own = httpx.get(f"{base}/records/{rid}", headers={"X-API-Key": keys["agent"]})
    assert own.status_code == 200 and own.json()["agent_id"] == "key:agent-7"
    assert own.json()["executions"][0]["stdout"] == "mine\n"
    other = httpx.get(f"{base}/records/{rid}", headers={"X-API-Key": keys["other"]})
    assert other.status_code == 404
    seen = httpx.get(f"{base}/records/{rid}", headers={"X-API-Key": keys["reviewer"]})
    assert seen.status_code == 200
    scanner = httpx.get(f"{base}/records/{rid}", headers={"X-API-Key": keys["scanner"]})
    assert scanner.status_code == 404  # a scan key makes no records and reads none
    for bad in ("0", "-1", str(2**64), "abc"):
        reply = httpx.get(f"{base}/records/{bad}", headers={"X-API-Key": keys["reviewer"]})
        assert reply.status_code in (404, 422), (bad, reply.text)


def test_a_key_over_its_rate_gets_429(served: tuple[str, str]) -> None:
    base, db = served
    key = _key(db, "chatty", "scan", rate=2)
    codes = [_post(base, "/scan", key, code="x = 1").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    reply = _post(base, "/scan", key, code="x = 1")
    assert reply.status_code == 429 and int(reply.headers["Retry-After"]) >= 1


def test_bad_requests_get_one_line_errors_in_the_contracts_shape(
    served: tuple[str, str], keys: dict[str, str]
) -> None:
    base, _ = served
    big = _post(base, "/execute", keys["agent"], code="#" * 60_000)
    assert big.status_code == 413 and big.json() == {
        "success": False,
        "output": "",
        "error": "request body larger than 50000 bytes",
    }
    broken = httpx.post(
        base + "/execute",
        content=b"{not json",
        headers={"X-API-Key": keys["agent"], "Content-Type": "application/json"},
    )
    assert broken.status_code == 422 and broken.json()["success"] is False
    assert "\n" not in broken.json()["error"]
    missing = _post(base, "/execute", keys["agent"], language="python")
    assert missing.status_code == 422 and "code" in missing.json()["error"]
    other = _post(base, "/execute", keys["agent"], code="print(1)", language="javascript")
    assert other.status_code == 400 and "python only" in other.json()["error"]
    for timeout in (0, -1, 61, 1e308):
        reply = _post(base, "/execute", keys["agent"], code="print(1)", timeout=timeout)
        assert reply.status_code == 400 and "timeout" in reply.json()["error"], timeout
    path = _post(base, "/scan", keys["scanner"], code="x", ruleset="../../etc/passwd")
    assert path.status_code == 422
    wrong = httpx.get(base + "/execute", headers={"X-API-Key": keys["agent"]})
    assert wrong.status_code == 405 and wrong.json()["success"] is False  # the contract's shape
    nowhere = httpx.get(base + "/nowhere")
    assert nowhere.status_code == 404 and nowhere.json() == {"error": "Not Found"}


def test_health_and_schema_need_no_key(served: tuple[str, str]) -> None:
    base, _ = served
    assert httpx.get(base + "/healthz").json() == {"ok": True, "store": "ok"}
    schema = httpx.get(base + "/openapi.json").json()
    assert {"/execute", "/scan", "/records/{record_id}", "/healthz"} <= set(schema["paths"])


def test_serve_is_loopback_by_default() -> None:
    from airlock.service import DEFAULT_HOST, is_loopback

    assert is_loopback(DEFAULT_HOST) and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")


def test_the_client_is_a_drop_in_for_the_remote_sandbox_contract(
    served: tuple[str, str], keys: dict[str, str]
) -> None:
    from airlock.client import AirlockError, Client

    base, _ = served
    with Client(base, keys["agent"]) as client:
        done = client.execute("print('via client')", "python", 5)
        assert done["success"] is True and done["output"] == "via client\n"
        assert client.record(done["record_id"])["agent_id"] == "key:agent-7"
        with pytest.raises(AirlockError, match="HTTP 403"):
            client.scan("x = 1")
    with Client(base, "alk_" + "y" * 43) as client:
        refused = client.execute("print(1)")
    assert refused == {"success": False, "output": "", "error": "unknown API key"}
    with Client(base, keys["other"]) as client, pytest.raises(AirlockError, match="HTTP 404"):
        client.record(done["record_id"])
    with Client(base, keys["agent"]) as client:  # what cannot be sent is a reply, not a raise
        nan = client.execute("print(1)", "python", float("nan"))
    assert nan["success"] is False and nan["error"].startswith("not sent:")
    with Client("http://127.0.0.1:9", keys["agent"]) as client:  # nothing listens on port 9
        down = client.execute("print(1)")
    assert down["success"] is False and down["error"].startswith("Airlock service unreachable")


def test_the_async_client(served: tuple[str, str], keys: dict[str, str]) -> None:
    import anyio

    from airlock.client import AsyncClient

    base, _ = served

    async def work() -> tuple[dict, dict]:
        async with AsyncClient(base, keys["scanner"]) as scanner:
            report = await scanner.scan("import os\nos.system('id')\n")
        async with AsyncClient(base, keys["agent"]) as agent:
            ran = await agent.execute("print(2 + 2)")
        return report, ran

    report, ran = anyio.run(work)
    assert report["verdict"] in ("review", "block") and ran["output"] == "4\n"


def test_a_store_that_cannot_record_is_503_and_nothing_runs(tmp_path: Path) -> None:
    """The key authenticates, but the record of intent cannot be written: the code must not
    run (the pipeline writes the record first) and the client hears 503, no details."""
    import sqlite3

    from fastapi.testclient import TestClient

    from airlock.audit import api_keys

    db = tmp_path / "store.db"
    store = Store(str(db))
    key = api_keys.create(store, "a", ["execute"])
    client = TestClient(create_app(store), raise_server_exceptions=False)
    assert client.post("/execute", json={"code": "print(1)"}, headers={"X-API-Key": key}).json()[
        "success"
    ]
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON screenings BEGIN SELECT RAISE(ABORT, 'disk gone'); END"
    )
    conn.commit()
    conn.close()
    reply = client.post("/execute", json={"code": "print(2)"}, headers={"X-API-Key": key})
    assert reply.status_code == 503 and reply.json() == {
        "success": False,
        "output": "",
        "error": "the audit store is unavailable, nothing was run",
    }
    with Store(str(db)) as after:
        runs = [
            e
            for s in after.list_screenings(None, limit=10)
            for e in after.get(int(s.id or 0)).executions
        ]
    assert len(runs) == 1  # only the first request ran
