"""The session behind the sign-in cookie: idle timeout, revocation, tampering, the one-time token and the route."""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import stat

import pytest
from argon2 import PasswordHasher

from accounts import users
from tests.conftest import user_store
from ui import sessions

T0 = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
IDLE = dt.timedelta(minutes=30)


@pytest.fixture()
def store(tmp_path, monkeypatch):
    path = user_store(tmp_path / "users.json", {"hebei": "P13"})
    monkeypatch.setenv("ISTC_USERS", str(path))
    return path


def signed_in(store, at=T0) -> tuple[str, str]:
    """(session key, cookie value) for hebei, signed in at `at`."""
    sid = sessions.start("hebei", store=store, now=at)
    cookie = sessions.cookie_value(sid, store=store)
    return sessions.session_key_from_cookie(cookie, store=store), cookie


def test_a_session_holds_while_used_and_expires_after_the_idle_timeout(store):
    key, _ = signed_in(store)
    assert sessions.resume(key, IDLE, store=store, now=T0 + dt.timedelta(minutes=29)) == ("hebei", "P13", "")
    # Idle time counts from the last activity (the resume above), not from the sign-in.
    assert sessions.resume(key, IDLE, store=store, now=T0 + dt.timedelta(minutes=50))[2] == ""  # an open tab's rerun
    assert sessions.resume(key, IDLE, store=store, now=T0 + dt.timedelta(minutes=79)) == ("hebei", "P13", "")
    later = T0 + dt.timedelta(minutes=79 + 30, seconds=1)
    assert sessions.resume(key, IDLE, store=store, now=later) == ("hebei", None, "expired")
    assert sessions.resume(key, IDLE, store=store, now=later) == (None, None, "unknown")  # deleted, not just refused


def test_sign_out_revokes_the_session(store):
    key, _ = signed_in(store)
    sessions.revoke(key, store=store)
    assert sessions.resume(key, IDLE, store=store, now=T0) == (None, None, "unknown")


def test_a_password_change_or_removal_revokes_every_session_of_the_user(store):
    key, _ = signed_in(store)
    other, _ = signed_in(store)
    users.add(
        "hebei", "P13", "password-hebei", path=store, replace=True
    )  # `python -m accounts passwd`, even the same word
    assert sessions.resume(key, IDLE, store=store, now=T0)[2] == "password_changed"
    assert sessions.resume(other, IDLE, store=store, now=T0)[2] == "password_changed"
    key, _ = signed_in(store)
    users.remove("hebei", path=store)
    assert sessions.resume(key, IDLE, store=store, now=T0)[2] == "user_removed"


def test_a_tampered_or_foreign_cookie_names_no_session(store, tmp_path):
    key, cookie = signed_in(store)
    sid, signature = cookie.split(".")
    assert sessions.session_key_from_cookie(cookie, store=store) == key
    assert sessions.session_key_from_cookie(sid[:-1] + ("A" if sid[-1] != "A" else "B") + "." + signature,
                                            store=store) is None  # fmt: skip
    assert sessions.session_key_from_cookie(sid, store=store) is None  # signature stripped
    assert sessions.session_key_from_cookie("", store=store) is None
    other_server = tmp_path / "other" / "users.json"
    assert sessions.session_key_from_cookie(cookie, store=other_server) is None  # signed with another secret


def test_secret_and_sessions_are_private_and_hold_no_usable_cookie(store):
    _, cookie = signed_in(store)
    for name in ("session_secret", "sessions.json"):
        assert stat.S_IMODE((store.parent / name).stat().st_mode) == 0o600, name
    text = (store.parent / "sessions.json").read_text()
    assert cookie.split(".")[0] not in text and "password_hash" not in text and "$argon2" not in text
    secret = (store.parent / "session_secret").read_bytes()
    signed_in(store)
    assert (store.parent / "session_secret").read_bytes() == secret  # created once, then kept


def test_prune_drops_only_idle_sessions(store):
    old, _ = signed_in(store, T0)
    fresh, _ = signed_in(store, T0 + dt.timedelta(minutes=40))
    assert sessions.prune(IDLE, store=store, now=T0 + dt.timedelta(minutes=45)) == 1
    assert sessions.resume(old, IDLE, store=store, now=T0 + dt.timedelta(minutes=45))[2] == "unknown"
    assert sessions.resume(fresh, IDLE, store=store, now=T0 + dt.timedelta(minutes=45))[2] == ""


def test_the_one_time_token_works_once_and_briefly():
    token = sessions.one_time_token("sid-1", now=T0)
    assert sessions.redeem(token, now=T0 + dt.timedelta(seconds=5)) == "sid-1"
    assert sessions.redeem(token, now=T0 + dt.timedelta(seconds=6)) is None
    late = sessions.one_time_token("sid-2", now=T0)
    assert sessions.redeem(late, now=T0 + dt.timedelta(seconds=sessions.TOKEN_SECONDS + 1)) is None


def call_route(method: str, body: bytes = b"", origin: str = "http://127.0.0.1:8501", cookie: str = ""):
    from starlette.requests import Request

    headers = [(b"host", b"127.0.0.1:8501"), (b"content-type", b"application/json")]
    headers += [(b"origin", origin.encode())] if origin else []
    headers += [(b"cookie", f"{sessions.COOKIE}={cookie}".encode())] if cookie else []
    scope = {"type": "http", "method": method, "path": "/_istc/session", "headers": headers, "scheme": "http",
             "server": ("127.0.0.1", 8501), "query_string": b"", "root_path": ""}  # fmt: skip

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    return asyncio.run(sessions.endpoint(Request(scope, receive)))


def test_the_route_trades_a_token_for_an_httponly_strict_cookie_once(store):
    sid = sessions.start("hebei", store=store)
    token = sessions.one_time_token(sid)
    assert call_route("POST", b'{"token": "%s"}' % token.encode(), origin="http://evil.example").status_code == 403
    assert call_route("POST", b'{"token": "%s"}' % token.encode(), origin="").status_code == 403
    response = call_route("POST", b'{"token": "%s"}' % token.encode())  # the refusals above did not spend it
    assert response.status_code == 204
    set_cookie = response.headers["set-cookie"]
    assert set_cookie.startswith(f"{sessions.COOKIE}={sessions.cookie_value(sid)};")
    assert "HttpOnly" in set_cookie and "SameSite=strict" in set_cookie and "Path=/" in set_cookie
    assert "Max-Age" not in set_cookie and "expires" not in set_cookie.lower()  # ends with the browser
    assert call_route("POST", b'{"token": "%s"}' % token.encode()).status_code == 403  # used once
    assert call_route("POST", b"not json").status_code == 400


def test_the_route_clears_the_cookie_and_ends_its_session(store):
    sid = sessions.start("hebei", store=store)
    response = call_route("DELETE", cookie=sessions.cookie_value(sid))
    assert response.status_code == 204 and "Max-Age=0" in response.headers["set-cookie"]
    assert sessions.resume(sessions.key(sid), IDLE, store=store)[2] == "unknown"
    assert call_route("DELETE", origin="http://evil.example").status_code == 403


def _sign_in_many(store, n: int) -> None:
    for _ in range(n):
        sessions.start("hebei", store=store)


def test_sessions_started_by_several_processes_are_all_kept(store):
    # Behind nginx, N dashboard processes share sessions.json; a read-modify-write without a lock across processes
    # let the last writer drop the other's new sessions (a user then had to sign in again after a reload).
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_sign_in_many, args=(store, 40)) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    assert len(sessions._load(store)) == 120


def _add_users(store, prefix: str) -> None:
    for i in range(6):
        users.add(f"{prefix}{i}", "P13", "password-long-enough", path=store)


def test_users_added_while_another_process_writes_the_store_are_all_kept(store, monkeypatch):
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))  # cheap, forked
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_add_users, args=(store, prefix)) for prefix in ("a", "b", "c")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    assert len(users.load(store)) == 1 + 18
