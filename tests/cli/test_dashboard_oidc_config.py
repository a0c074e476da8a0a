"""`airlock dashboard --oidc-config FILE`: the operator's settings become Streamlit's `[auth]`
secrets, written 0600 in a private directory outside every tree a run or agent reads."""

from __future__ import annotations

import stat
import tempfile
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from airlock.cli import app, oidc_secrets
from airlock.cli.common import UsageError
from airlock.dashboard import serve

GOOD = {
    "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration",
    "client_id": "airlock",
    "client_secret": "s3cret",
}


def _toml(values: dict[str, str]) -> str:
    return "".join(f'{k} = "{v}"\n' for k, v in values.items())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("client_id = 'x'\n", "lacks server_metadata_url, client_secret"),
        (_toml({**GOOD, "scope": "openid"}), "unknown keys ['scope']"),
        ("[auth\n", "not valid TOML"),
        (_toml({**GOOD, "client_id": " "}), "client_id"),
        (_toml({**GOOD, "server_metadata_url": "http://idp.example.com/x"}), "https://"),
        (_toml({**GOOD, "redirect_uri": "https://dash.example.com/callback"}), "/oauth2callback"),
        (_toml({**GOOD, "cookie_secret": "short"}), "at least 32"),
    ],
)
def test_bad_config_is_one_line_and_exit_2(tmp_path: Path, text: str, message: str) -> None:
    cfg = tmp_path / "oidc.toml"
    cfg.write_text(text)
    out = CliRunner().invoke(
        app, ["dashboard", "--db", str(tmp_path / "x.db"), "--oidc-config", str(cfg)]
    )
    assert out.exit_code == 2, out.output
    assert message in out.output and "Traceback" not in out.output
    assert len(out.output.strip().splitlines()) == 1


def test_a_missing_config_and_a_wide_bind_without_redirect_are_refused(tmp_path: Path) -> None:
    out = CliRunner().invoke(app, ["dashboard", "--oidc-config", str(tmp_path / "none.toml")])
    assert out.exit_code == 2 and "cannot read the OIDC config" in out.output
    with pytest.raises(UsageError, match="give redirect_uri"):
        oidc_secrets.auth_section(GOOD, host="0.0.0.0", port=8501)
    auth = oidc_secrets.auth_section(  # negative control: with it, any bind works
        {**GOOD, "redirect_uri": "https://dash.example.com/oauth2callback"}, host="0.0.0.0", port=1
    )
    assert oidc_secrets.served_name(auth) == "dash.example.com"


def test_the_auth_table_defaults_and_a_fresh_cookie_secret() -> None:
    one = oidc_secrets.auth_section(GOOD, host="127.0.0.1", port=8600)
    two = oidc_secrets.auth_section(GOOD, host="127.0.0.1", port=8600)
    assert one["redirect_uri"] == "http://127.0.0.1:8600/oauth2callback"
    assert len(one["cookie_secret"]) >= 32 and one["cookie_secret"] != two["cookie_secret"]
    given = oidc_secrets.auth_section({**GOOD, "cookie_secret": "k" * 40}, host="::1", port=9)
    assert given["cookie_secret"] == "k" * 40
    assert given["redirect_uri"] == "http://[::1]:9/oauth2callback"


def test_an_auth_table_is_read_like_top_level_keys(tmp_path: Path) -> None:
    cfg = tmp_path / "secrets.toml"
    cfg.write_text("[auth]\n" + _toml(GOOD))
    assert oidc_secrets.read_config(cfg) == GOOD


def test_the_secrets_file_is_private_and_holds_only_the_auth_table(tmp_path: Path) -> None:
    auth = oidc_secrets.auth_section(
        {**GOOD, "client_secret": 'q"uo\\te\n'}, host="localhost", port=1
    )
    path = oidc_secrets.write_secrets(auth)
    try:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert path.parent.name.startswith("airlock-dashboard-")
        assert Path(tempfile.gettempdir()).resolve() == path.parent.parent
        assert not path.is_relative_to(Path.cwd().resolve())
        assert tomllib.loads(path.read_text()) == {"auth": auth}  # exact, escapes and all
    finally:
        serve.remove_secrets(str(path))
    assert not path.parent.exists()  # the server's cleanup removes the file and its directory


def test_a_temporary_directory_inside_the_working_tree_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    auth = oidc_secrets.auth_section(GOOD, host="127.0.0.1", port=1)
    with pytest.raises(UsageError, match="set TMPDIR"):
        oidc_secrets.write_secrets(auth)
    assert list((tmp_path / "tmp").iterdir()) == []
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # negative control: the same place, cwd elsewhere
    path = oidc_secrets.write_secrets(auth)
    serve.remove_secrets(str(path))


def test_cleanup_leaves_files_it_did_not_write(tmp_path: Path) -> None:
    other = tmp_path / "keep" / "secrets.toml"
    other.parent.mkdir()
    other.write_text("[auth]\n")
    serve.remove_secrets(str(other))
    assert other.exists()


def test_the_server_is_told_the_file_and_serves_the_redirect_host(tmp_path: Path) -> None:
    from airlock.cli.dashboard import HOSTS_ENV, SECRETS_ENV, _oidc_secrets

    cfg = tmp_path / "oidc.toml"
    cfg.write_text(
        _toml({**GOOD, "redirect_uri": "https://Airlock.example.com:8443/oauth2callback"})
    )
    cfg.chmod(0o600)
    env = {HOSTS_ENV: "proxy.example.com:80"}
    path = _oidc_secrets(cfg, host="0.0.0.0", port=8501, env=env)
    try:
        assert env[SECRETS_ENV] == path
        assert env[HOSTS_ENV] == "proxy.example.com:80,airlock.example.com:8443"
        assert serve.served_hosts("0.0.0.0", 8501, env[HOSTS_ENV]) >= {
            "airlock.example.com:8443",
            "proxy.example.com:80",
        }
    finally:
        serve.remove_secrets(path)


def test_the_server_hides_the_secrets_from_its_runs() -> None:
    from airlock.executor import private_paths

    path = oidc_secrets.write_secrets(oidc_secrets.auth_section(GOOD, host="127.0.0.1", port=1))
    try:
        assert str(path.parent) not in private_paths.cover(())[0]
        serve.hide_secrets(str(path))
        assert str(path.parent) in private_paths.cover(())[0]  # an empty tmpfs over it
    finally:
        serve.remove_secrets(str(path))
