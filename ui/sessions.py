"""Sign-in that survives a reload: a signed, HttpOnly, SameSite=Strict cookie naming a session kept on the server.

Each reload or bookmarked link starts a new Streamlit session, and Streamlit's script cannot set an HttpOnly
cookie. So after a successful sign-in the script records a session here and hands the page a one-time token
(valid `TOKEN_SECONDS`, usable once, never in a URL); the page posts it to `POST /_istc/session`, a route
that `asgi.py` adds to Streamlit's own Starlette app (st.App), which answers with the cookie. A new Streamlit
session reads the cookie (`st.context.cookies`) and resumes the session while it holds.

The cookie carries a random session id signed with a server secret (itsdangerous, which Streamlit already
uses). The sessions file keeps only the id's SHA-256, the user name, a fingerprint of the user's password hash
and the last activity; it lives next to the user store (0600), as does the secret. A session ends when idle
longer than $ISTC_SESSION_MINUTES, on sign-out, when the user is removed, or when their password changes
(`python -m accounts passwd` rehashes it, so the fingerprint no longer matches). Nothing here imports Streamlit's
script API: the route runs on the server's event loop, outside any script.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

import orjson
from itsdangerous import BadSignature, Signer

from accounts import users
from etl.store import file_lock

COOKIE = "istc_session"
ROUTE = "_istc/session"
TOKEN_SECONDS = 60
TOUCH_EVERY = dt.timedelta(minutes=1)  # how often an open tab writes down its activity (not every rerun)
_lock = threading.RLock()  # re-entered: resume() → _fingerprint() → secret()
_tokens: dict[str, tuple[str, dt.datetime]] = {}  # one-time token → (session id, issued); this process only


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _private_write(path: Path, data: bytes) -> None:
    """Write atomically a file only its owner can read (created 0600, never briefly world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def secret(store: Path | None = None) -> bytes:
    """The server secret that signs cookies: `session_secret` next to the user store, created 0600 on first use.

    Every dashboard process behind nginx reads this one file (ISTC_USERS is the same for all), so a cookie signed
    by one is accepted by the others; the lock makes the first process to sign someone in the only one creating it.
    """
    path = (store or users.store_path()).with_name("session_secret")
    with _lock, file_lock(path):
        if not path.exists():
            _private_write(path, secrets.token_hex(32).encode())
    return path.read_bytes().strip()


def _sessions_path(store: Path | None) -> Path:
    return (store or users.store_path()).with_name("sessions.json")


def _load(store: Path | None) -> dict[str, dict]:
    path = _sessions_path(store)
    return orjson.loads(path.read_bytes()) if path.exists() else {}


def _save(sessions: dict[str, dict], store: Path | None) -> None:
    _private_write(_sessions_path(store), orjson.dumps(sessions, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))


def key(session_id: str) -> str:
    """How the sessions file names a session: the id's SHA-256, so the file holds no usable cookie."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def _fingerprint(password_hash: str, store: Path | None) -> str:
    # Changes whenever the password is set again (argon2 salts every hash), without storing the hash twice.
    return hmac.new(secret(store), password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def start(username: str, *, store: Path | None = None, now: dt.datetime | None = None) -> str:
    """Record a new session for a user who has just proven their password; returns the session id (secret)."""
    now = now or _now()
    record = users.load(store).get(username)
    if record is None:
        raise KeyError(username)
    session_id = secrets.token_urlsafe(32)
    with _lock, file_lock(_sessions_path(store)):
        sessions = _load(store)
        sessions[key(session_id)] = {"user": username, "fingerprint": _fingerprint(record["password_hash"], store),
                                     "since": now.isoformat(), "last_seen": now.isoformat()}  # fmt: skip
        _save(sessions, store)
    return session_id


def resume(
    session_key: str, timeout: dt.timedelta, *, store: Path | None = None, now: dt.datetime | None = None
) -> tuple[str | None, str | None, str]:
    """(username, account, "") while the session holds; else (username if known, None, why) with why one of
    "unknown", "expired", "user_removed", "password_changed". Resuming counts as activity; a session that no
    longer holds is deleted."""
    now = now or _now()
    with _lock, file_lock(_sessions_path(store)):
        sessions = _load(store)
        record = sessions.get(session_key)
        if record is None:
            return None, None, "unknown"
        user = users.load(store).get(record["user"])
        if user is None:
            why = "user_removed"
        elif not hmac.compare_digest(record["fingerprint"], _fingerprint(user["password_hash"], store)):
            why = "password_changed"
        elif now - dt.datetime.fromisoformat(record["last_seen"]) > timeout:
            why = "expired"
        else:
            record["last_seen"] = now.isoformat()
            _save(sessions, store)
            return record["user"], user["account_id"], ""
        del sessions[session_key]
        _save(sessions, store)
        return record["user"], None, why


def revoke(session_key: str, *, store: Path | None = None) -> None:
    """End a session (sign-out): its cookie no longer signs anybody in, in any tab."""
    with _lock, file_lock(_sessions_path(store)):
        sessions = _load(store)
        if sessions.pop(session_key, None) is not None:
            _save(sessions, store)


def prune(timeout: dt.timedelta, *, store: Path | None = None, now: dt.datetime | None = None) -> int:
    """Delete sessions idle longer than `timeout` (they could not resume anyway); returns how many."""
    now = now or _now()
    with _lock, file_lock(_sessions_path(store)):
        sessions = _load(store)
        stale = [k for k, r in sessions.items() if now - dt.datetime.fromisoformat(r["last_seen"]) > timeout]
        for k in stale:
            del sessions[k]
        if stale:
            _save(sessions, store)
    return len(stale)


# --- the cookie ---------------------------------------------------------------------------------


def _signer(store: Path | None) -> Signer:
    return Signer(secret(store), salt="istc-session-cookie")


def cookie_value(session_id: str, *, store: Path | None = None) -> str:
    """The cookie's value: the session id and its signature."""
    return _signer(store).sign(session_id).decode()


def session_key_from_cookie(value: str | None, *, store: Path | None = None) -> str | None:
    """The session a cookie names, or None when it is missing or its signature does not match (tampered)."""
    if not value:
        return None
    try:
        return key(_signer(store).unsign(value).decode())
    except (BadSignature, UnicodeError):
        return None


def one_time_token(session_id: str, *, now: dt.datetime | None = None) -> str:
    """A token the page exchanges for the cookie, once, within TOKEN_SECONDS."""
    token = secrets.token_urlsafe(32)
    with _lock:
        _tokens[token] = (session_id, now or _now())
    return token


def redeem(token: str, *, now: dt.datetime | None = None) -> str | None:
    """The session id a token stands for, or None (unknown, used already, or older than TOKEN_SECONDS)."""
    now = now or _now()
    with _lock:
        for t in [t for t, (_, issued) in _tokens.items() if now - issued > dt.timedelta(seconds=TOKEN_SECONDS)]:
            del _tokens[t]
        session_id, _ = _tokens.pop(token, (None, None))
    return session_id


# --- the route (runs in Streamlit's Starlette server; see asgi.py) -------------------------------------


def path(base_url: str | None = None) -> str:
    """The route's URL path, under Streamlit's server.baseUrlPath."""
    from streamlit import config
    from streamlit.url_util import make_url_path

    return make_url_path(config.get_option("server.baseUrlPath") if base_url is None else base_url, ROUTE)


def _same_origin(request) -> bool:
    # Login CSRF: another site must not make a browser post its own token. A browser always sends Origin with
    # a POST from script, and Sec-Fetch-Site where it knows it.
    origin, host = request.headers.get("origin", ""), request.headers.get("host", "")
    site = request.headers.get("sec-fetch-site", "same-origin")
    return bool(host) and origin.split("://", 1)[-1] == host and site == "same-origin"


async def endpoint(request):
    """POST {"token": …} → 204 with the session cookie; on sign-out (method DELETE) the cookie is cleared and its
    session is ended on the server as well."""
    from starlette.responses import Response

    if not _same_origin(request):
        return Response(status_code=403)
    cookie_path = request.url.path.removesuffix(ROUTE).rstrip("/") or "/"
    secure = request.url.scheme == "https"
    if request.method == "DELETE":
        if (session_key := session_key_from_cookie(request.cookies.get(COOKIE))) is not None:
            revoke(session_key)
        response = Response(status_code=204)
        response.delete_cookie(COOKIE, path=cookie_path, secure=secure, httponly=True, samesite="strict")
        return response
    try:
        token = orjson.loads(await request.body()).get("token", "")
    except (orjson.JSONDecodeError, AttributeError):
        return Response(status_code=400)
    session_id = redeem(str(token))
    if session_id is None:
        return Response(status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    # No Max-Age: the cookie ends with the browser; the server ends the session after the idle timeout.
    response.set_cookie(COOKIE, cookie_value(session_id), path=cookie_path, secure=secure, httponly=True,
                        samesite="strict")  # fmt: skip
    return response


def routes() -> list:
    """The Starlette routes asgi.py adds to Streamlit's server."""
    from starlette.routing import Route

    return [Route(path(), endpoint, methods=["POST", "DELETE"])]
