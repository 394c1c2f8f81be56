"""Who is looking: sign-in (local users or a trusted proxy header), session expiry, and the account they may see.

Modes ($ISTC_AUTH): "local" (default: user name and password from the user store), "header" (an office's
single sign-on proxy puts the user name in $ISTC_AUTH_HEADER, default X-Remote-User) and "none" (one
analyst's own machine: national scope, with a banner). Anything unknown fails closed.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass

import streamlit as st

from etl import users

ROOT_ALL = "CN"
MODES = ("local", "header", "none")


@dataclass(frozen=True)
class User:
    """A signed-in user and the account whose subtree they may see."""

    username: str
    account_id: str


def mode() -> str:
    """The authentication mode in force."""
    return os.environ.get("ISTC_AUTH", "local").strip().lower()


def _session_timeout() -> dt.timedelta:
    return dt.timedelta(minutes=float(os.environ.get("ISTC_SESSION_MINUTES", "480")))


def current() -> User | None:
    """The signed-in user of this session, or None (also when the session has expired)."""
    m = mode()
    if m == "none":
        return User("本机分析员", ROOT_ALL)
    if m == "header":
        name = (st.context.headers.get(os.environ.get("ISTC_AUTH_HEADER", "X-Remote-User")) or "").strip().lower()
        account = users.account_of(name) if name else None
        return User(name, account) if account else None
    if m != "local":
        return None
    s = st.session_state.get("auth_user")
    if not s:
        return None
    now = dt.datetime.now(dt.UTC)
    if now - s["last_seen"] > _session_timeout():
        users.audit("session_expired", user=s["username"], account=s["account_id"])
        del st.session_state["auth_user"]
        st.session_state["auth_message"] = "登录已超时，请重新登录。"
        return None
    s["last_seen"] = now
    return User(s["username"], s["account_id"])


def sign_in_page() -> None:
    """The sign-in form (local mode) or the explanation why nothing is shown; stops the script."""
    st.title("国际科技合作统计分析平台")
    m = mode()
    if m == "header":
        st.error("没有从单点登录获得已绑定账号的用户，无法显示数据。请联系系统管理员为您的用户名绑定账号。")
        st.stop()
    if m not in MODES:
        st.error(f"登录方式配置无效（ISTC_AUTH={m}），为安全起见不显示任何数据。")
        st.stop()
    if msg := st.session_state.pop("auth_message", None):
        st.info(msg)
    with st.form("sign_in", border=True, width=420):
        st.subheader("登录")
        name = st.text_input("用户名", key="auth_name", autocomplete="username")
        password = st.text_input("密码", type="password", key="auth_password", autocomplete="current-password")
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        account, reason = users.verify(name.strip().lower(), password)
        if account is None:
            users.audit("sign_in_failed", user=name.strip().lower(), account=None, detail=reason)
            time.sleep(0.5)  # every failure costs time, on top of the growing wait in the store
            st.error(reason)
        else:
            now = dt.datetime.now(dt.UTC)
            st.session_state["auth_user"] = {"username": name.strip().lower(), "account_id": account,
                                             "since": now, "last_seen": now}  # fmt: skip
            st.session_state.pop("_filters_ready", None)  # start from the user's own scope
            users.audit("sign_in", user=name.strip().lower(), account=account)
            st.rerun()
    if os.environ.get("ISTC_DEMO") == "1":
        st.caption("演示模式：可用以下账号体验三种视角（各自只能看到本账号及下级的数据）。")
        st.table({"用户名": list(users.DEMO_USERS), "密码": [p for _, p in users.DEMO_USERS.values()],
                  "账号": ["全国（科技部）", "河北省", "石家庄市"]})  # fmt: skip
    st.stop()


def sign_out() -> None:
    """Forget the session's user (a callback)."""
    s = st.session_state.pop("auth_user", None)
    if s:
        users.audit("sign_out", user=s["username"], account=s["account_id"])
    for key in [k for k in st.session_state if k.startswith(("f_", "drill_", "scope_id", "_filters_ready"))]:
        del st.session_state[key]


def audit_export(user: User, scope: str, what: str) -> None:
    """Record an export (called from download callbacks, which run outside the page script)."""
    users.audit("export", user=user.username, account=user.account_id, scope=scope, detail=what)
