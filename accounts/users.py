"""The local user store: each user bound to one account, salted argon2 hashes, throttled failures, audit log.

The store is one JSON file (default data/users/users.json, or $ISTC_USERS); the audit log is
audit.log (JSON lines) next to it. Both are written atomically; no password is ever stored or logged.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import threading
from pathlib import Path

import orjson
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from etl.hierarchy import ROOT_ID
from etl.store import atomic_write, file_lock

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STORE = ROOT / "data" / "users" / "users.json"
FREE_FAILURES = 3  # after these, each further failure doubles the wait before the next attempt
MAX_WAIT = dt.timedelta(minutes=15)
MAX_DOUBLINGS = 20  # 5 s × 2**20 is far past MAX_WAIT; 2**44 s overflowed timedelta (issue 25)
MAX_GHOSTS = 10_000  # unknown names whose failures are remembered (in memory): oldest forgotten first
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-.@")
_hasher = PasswordHasher()
_lock = threading.Lock()
# Failures of names that are not users, throttled like real ones so that the answers cannot tell them apart.
_ghosts: collections.OrderedDict[tuple[str, str], dict] = collections.OrderedDict()


class UserError(ValueError):
    """A user-management request that cannot be carried out (message in Chinese)."""


def store_path() -> Path:
    """The user store in force: $ISTC_USERS or data/users/users.json."""
    return Path(os.environ.get("ISTC_USERS", DEFAULT_STORE))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def load(path: Path | None = None) -> dict[str, dict]:
    """username → record (account_id, password_hash, failures, wait_until, created_at)."""
    path = path or store_path()
    return orjson.loads(path.read_bytes()) if path.exists() else {}


def _save(users: dict[str, dict], path: Path) -> None:
    atomic_write(path, orjson.dumps(users, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS), mode=0o600)


def add(username: str, account_id: str, password: str, *, path: Path | None = None, replace: bool = False) -> None:
    """Create (or with replace, reset) a user bound to one account."""
    path = path or store_path()
    if not username or not set(username) <= USERNAME_CHARS:
        raise UserError("用户名只能包含小写字母、数字和 _ - . @")
    if len(password) < 8:
        raise UserError("密码至少 8 位")
    with _lock, file_lock(path):
        users = load(path)
        if username in users and not replace:
            raise UserError(f"用户 {username} 已存在（修改密码请用 users passwd）")
        users[username] = {"account_id": account_id, "password_hash": _hasher.hash(password), "failures": 0,
                           "wait_until": None, "created_at": _now().isoformat()}  # fmt: skip
        _save(users, path)


def remove(username: str, *, path: Path | None = None) -> None:
    """Delete a user."""
    path = path or store_path()
    with _lock, file_lock(path):
        users = load(path)
        if users.pop(username, None) is None:
            raise UserError(f"没有用户 {username}")
        _save(users, path)


def verify(
    username: str, password: str, *, path: Path | None = None, now: dt.datetime | None = None
) -> tuple[str | None, str]:
    """(account_id, "") when the password is right; (None, Chinese reason) otherwise. Failures are throttled.

    The password hash (~0.2 s of CPU, on purpose) is checked outside the store's locks, so that on deadline day
    everyone's sign-in does not queue behind everyone else's; attempts at one name still go one at a time, so the
    throttle cannot be outrun by guessing in parallel.
    """
    path, now = path or store_path(), now or _now()
    with _name_lock(str(path), username):
        with _lock, file_lock(path):
            user = load(path).get(username)
        if user is None:  # same cost and the same answers as a real user: no hint that the name is unknown
            return _ghost_attempt(path, username, password, now)
        if refused := _waiting(user, now):
            return None, refused
        try:
            _hasher.verify(user["password_hash"], password)
            right = True
        except (VerificationError, InvalidHashError):
            right = False
        with _lock, file_lock(path):
            users = load(path)
            current = users.get(username)
            if current is None or current["password_hash"] != user["password_hash"]:
                return None, "用户名或密码不正确"  # removed, or the password changed, while this was checked
            if not right:
                _failed(current, now)
            elif current.get("failures") or current.get("wait_until"):
                current["failures"], current["wait_until"] = 0, None
            else:
                return current["account_id"], ""  # nothing to record: no write to the store
            _save(users, path)
        return (current["account_id"], "") if right else (None, "用户名或密码不正确")


def _ghost_attempt(path: Path, username: str, password: str, now: dt.datetime) -> tuple[None, str]:
    """A sign-in under a name that is not a user: hashed and throttled like a real one, remembered in memory."""
    with _lock:
        ghost = _ghosts.setdefault((str(path), username), {"failures": 0, "wait_until": None})
        _ghosts.move_to_end((str(path), username))
        while len(_ghosts) > MAX_GHOSTS:
            _ghosts.popitem(last=False)
        if refused := _waiting(ghost, now):
            return None, refused
    _hasher.hash(password)
    with _lock:
        _failed(ghost, now)
    return None, "用户名或密码不正确"


_name_locks: dict[tuple[str, str], threading.Lock] = {}


def _name_lock(store: str, username: str) -> threading.Lock:
    """The lock that lets one attempt at a time check a password for `username` in this process."""
    with _lock:
        if len(_name_locks) > MAX_GHOSTS:  # names are unbounded input: forget the idle locks
            for key in [k for k, v in _name_locks.items() if not v.locked()]:
                del _name_locks[key]
        return _name_locks.setdefault((store, username), threading.Lock())


def _waiting(record: dict, now: dt.datetime) -> str:
    """The refusal while a record's wait after repeated failures lasts ("" when it may try)."""
    wait = record.get("wait_until")
    if wait and now < dt.datetime.fromisoformat(wait):
        seconds = int((dt.datetime.fromisoformat(wait) - now).total_seconds()) + 1
        return f"连续登录失败次数过多，请 {seconds} 秒后再试"
    return ""


def _failed(record: dict, now: dt.datetime) -> None:
    """Count a failure; past FREE_FAILURES each one doubles the wait (5 s, 10 s, …), up to MAX_WAIT."""
    record["failures"] = record.get("failures", 0) + 1
    extra = record["failures"] - FREE_FAILURES
    if extra >= 0:
        wait = min(MAX_WAIT, dt.timedelta(seconds=5 * 2 ** min(extra, MAX_DOUBLINGS)))
        record["wait_until"] = (now + wait).isoformat()


def account_of(username: str, *, path: Path | None = None) -> str | None:
    """The account a user is bound to (for the trusted-header mode), or None."""
    user = load(path).get(username)
    return None if user is None else user["account_id"]


def audit(event: str, *, user: str, account: str | None, scope: str | None = None, detail: str = "",
          path: Path | None = None) -> None:  # fmt: skip
    """Append one line to audit.log: who, when, which scope, what."""
    log = (path or store_path()).with_name("audit.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    line = orjson.dumps({"time": _now().isoformat(timespec="seconds"), "event": event, "user": user,
                         "account": account, "scope": scope, "detail": detail})  # fmt: skip
    with _lock, open(os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab") as f:
        os.fchmod(f.fileno(), 0o600)  # a log created before it was made 0600
        f.write(line + b"\n")


DEMO_USERS = {  # username → (account, password): shown on the sign-in page in demo mode only
    "ministry": (ROOT_ID, "demo-ministry"),
    "hebei": ("P13", "demo-hebei-2020"),
    "shijiazhuang": ("P13-130100", "demo-shijiazhuang"),
}


def ensure_demo_users(path: Path) -> None:
    """Create the three demo users (科技部, 河北省, 石家庄市) if they are missing."""
    users = load(path)
    for name, (account, password) in DEMO_USERS.items():
        if name not in users:
            add(name, account, password, path=path)
