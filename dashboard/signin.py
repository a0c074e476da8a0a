"""Who is deciding: the sidebar's sign-in, with a reviewer token or, when `airlock dashboard
--oidc-config` turned it on, with Streamlit's OpenID Connect `st.login`.

An OIDC sign-in is a reviewer only when the store has a live account bound to its
identity: the issuer and subject of the ID token Streamlit verified (`st.user`'s `iss`
and `sub`), never its name or email. The account is looked up again on every page run,
and every decision presents the identity to the store, which checks it once more, so a
revoked account stops deciding at once, however long its browser session lives.
"""

from __future__ import annotations

import streamlit as st

from airlock.audit.accounts import OidcIdentity
from airlock.dashboard.data import DataError, actions, configured_url

TOKEN_KEYS = ("auth_name", "auth_token")


def oidc_on() -> bool:
    """Whether Airlock's secrets file configured an OIDC provider for this server."""
    try:
        return bool(st.secrets.load_if_toml_exists() and st.secrets.get("auth"))
    except Exception:  # an unreadable secrets file: no OIDC, the token still works
        return False


def oidc_identity() -> OidcIdentity | None:
    """This browser's OIDC identity (None: not signed in through the provider)."""
    if not oidc_on() or not st.user.is_logged_in:
        return None
    claims = st.user.to_dict()
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not isinstance(issuer, str) or not isinstance(subject, str):
        return None
    return OidcIdentity(issuer=issuer, subject=subject)


def _oidc(identity: OidcIdentity | None) -> None:
    """The OIDC half of the sidebar; records the bound account (if any) for this run."""
    for key in ("oidc_name", "oidc_identity"):
        st.session_state.pop(key, None)
    if identity is None:
        if st.button("Sign in with OpenID Connect", key="oidc_login"):
            st.login()
        return
    try:
        name = actions.oidc_reviewer(configured_url(), identity)
    except DataError as exc:
        st.warning(
            "Signed in through OpenID Connect, but not as a reviewer: you can look, not decide."
        )
        st.text(str(exc))  # plain text: the identity is the provider's, shown as it came
    else:
        st.session_state["oidc_name"] = name
        st.session_state["oidc_identity"] = identity
        if not st.session_state.get("auth_name"):
            st.text(f"Signed in as {name} (OpenID Connect)")
    if st.button("Sign out of OpenID Connect", key="oidc_logout"):
        st.logout()


def _token() -> None:
    """The token half of the sidebar."""
    name = st.session_state.get("auth_name")
    if name:
        st.text(f"Signed in as {name}")
        if st.button("Sign out", key="logout"):
            for key in TOKEN_KEYS:
                st.session_state.pop(key, None)
            st.rerun()
        return
    if st.session_state.get("oidc_name"):
        return  # already a reviewer through the provider
    token = st.text_input(
        "Reviewer token",
        type="password",
        key="login_token",
        help="From `airlock reviewers add NAME`; every decision is recorded under that name.",
    )
    if st.button("Sign in", key="login"):
        try:
            st.session_state["auth_name"] = actions.login(configured_url(), token)
            st.session_state["auth_token"] = token.strip()
            st.session_state.pop("login_error", None)
        except DataError as exc:
            st.session_state["login_error"] = str(exc)
        st.session_state.pop("login_token", None)
        st.rerun()
    if st.session_state.get("login_error"):
        st.warning(st.session_state["login_error"])


def sidebar() -> None:
    """Sign in and out (OIDC first when configured, the token beside it)."""
    if oidc_on():
        _oidc(oidc_identity())
    _token()
