"""Who is looking: sign-in (local users or a trusted proxy header), session expiry, and the account they may see.

Modes ($ISTC_AUTH): "local" (default: user name and password from the user store), "header" (an office's
single sign-on proxy puts the user name in $ISTC_AUTH_HEADER, default X-Remote-User) and "none" (one
analyst's own machine: national scope, with a banner). Anything unknown fails closed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass

import streamlit as st

from accounts import users
from etl.hierarchy import ROOT_ID

from . import preload, sessions

ROOT_ALL = ROOT_ID  # 全国
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
    s = st.session_state.get("auth_user") or _resume()[0]
    if not s:
        return None
    now = dt.datetime.now(dt.UTC)
    if now - s["last_seen"] > _session_timeout():
        del st.session_state["auth_user"]
        again, why = _resume()  # another tab of this browser may have kept the cookie's session alive
        if again is None:
            if why != "expired":  # _resume has said so already
                users.audit("session_expired", user=s["username"], account=s["account_id"])
                st.session_state["auth_message"] = "登录已超时，请重新登录。"
            return None
        s = again
    s["last_seen"] = now
    if not _still_holds(s, now):
        return None
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
    if st.session_state.pop("_clear_cookie", False):
        _cookie_request("DELETE")
    if msg := st.session_state.pop("auth_message", None):
        st.info(msg)
    with st.form("sign_in", border=True, width=420):
        st.subheader("登录")
        name = st.text_input("用户名", key="auth_name", autocomplete="username")
        password = st.text_input("密码", type="password", key="auth_password", autocomplete="current-password")
        submitted = st.form_submit_button("登录", type="primary")
    preload.preload()  # the dashboard's scripts load while the user types, not after the click
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
            _start_cookie_session(st.session_state["auth_user"])
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
        _end_cookie_session(s)
    for key in [k for k in st.session_state if k.startswith(("f_", "drill_", "scope_id", "_filters_ready"))]:
        del st.session_state[key]


def audit_export(user: User, scope: str, what: str) -> None:
    """Record an export (called from download callbacks, which run outside the page script)."""
    users.audit("export", user=user.username, account=user.account_id, scope=scope, detail=what)


# --- sign-in that survives a reload (local mode; see ui/sessions.py) ------------------------------------

_REFUSED = {"expired": "登录已超时，请重新登录。", "password_changed": "密码已修改，请用新密码重新登录。",
            "user_removed": "登录已失效，请重新登录。", "unknown": "登录已失效（可能已在其他页面退出），请重新登录。"}  # fmt: skip


def _resume() -> tuple[dict | None, str]:
    """A new session (reload, bookmark, new tab) of a browser whose session cookie still holds: its user, else
    (None, why). A cookie whose signature does not match is ignored like a missing one."""
    session_key = sessions.session_key_from_cookie(_cookie())
    if session_key is None:
        return None, "no_cookie"
    name, account, why = sessions.resume(session_key, _session_timeout())
    if why:
        if why != "unknown":  # the session existed and has just ended: say why, once
            users.audit(f"session_{why}", user=name, account=None)
            if why in _REFUSED:
                st.session_state["auth_message"] = _REFUSED[why]
        return None, why
    now = dt.datetime.now(dt.UTC)
    s = {"username": name, "account_id": account, "since": now, "last_seen": now, "session_key": session_key,
         "touched": now}  # fmt: skip
    st.session_state["auth_user"] = s
    st.session_state.pop("_filters_ready", None)  # the filters come from this page's URL
    users.audit("session_resumed", user=name, account=account)
    return s, ""


def _cookie() -> str | None:
    """The session cookie this Streamlit session's browser sent when it connected (HttpOnly: only the server sees it)."""
    return st.context.cookies.get(sessions.COOKIE)


def _start_cookie_session(s: dict) -> None:
    """After a sign-in with the password: record a server-side session and queue its cookie for the page."""
    sessions.prune(_session_timeout())  # sessions nobody came back to
    session_id = sessions.start(s["username"])
    s["session_key"], s["touched"] = sessions.key(session_id), s["last_seen"]
    st.session_state["_cookie_token"] = sessions.one_time_token(session_id)


def _still_holds(s: dict, now: dt.datetime) -> bool:
    """At most once a minute, an open tab notes its activity in the server-side session (a reload after an hour of
    work must not count as an hour idle) and learns whether it still holds: a sign-out in another tab, a password
    change or the user's removal ends this tab's sign-in too, within a minute."""
    if not s.get("session_key") or now - s.get("touched", now) < sessions.TOUCH_EVERY:
        return True
    # The in-session check above is the idle timeout; the server's record may lag it by up to TOUCH_EVERY.
    *_, why = sessions.resume(s["session_key"], _session_timeout() + sessions.TOUCH_EVERY, now=now)
    s["touched"] = now
    if not why:
        return True
    del st.session_state["auth_user"]
    users.audit(f"session_{why}", user=s["username"], account=s["account_id"])
    st.session_state["auth_message"] = _REFUSED[why]
    return False


def _end_cookie_session(s: dict) -> None:
    if s.get("session_key"):
        sessions.revoke(s["session_key"])
    st.session_state["_clear_cookie"] = True  # the sign-in page asks the server to drop the cookie too


def _cookie_request(method: str, token: str = "") -> None:
    """Have the page call the session route (only the server can set an HttpOnly cookie); renders nothing."""
    body = f", body: JSON.stringify({{token: {json.dumps(token)}}})" if token else ""
    # The element has no content. Its container is not hidden: Streamlit reuses element containers by position,
    # and a hidden one hid whatever the next page drew there (the next page's title).
    st.html(f"""<script>
        fetch({json.dumps(sessions.path())}, {{method: "{method}", credentials: "same-origin",
               headers: {{"Content-Type": "application/json"}}{body}}});
        </script>""", unsafe_allow_javascript=True)  # fmt: skip


def deliver_cookie() -> None:
    """Right after a sign-in: the page trades the one-time token for the session cookie (app.py, once)."""
    if token := st.session_state.pop("_cookie_token", None):
        _cookie_request("POST", token)
