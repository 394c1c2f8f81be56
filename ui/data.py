"""The cached read-only warehouse connection, following the ETL's CURRENT pointer, and cached queries."""

from __future__ import annotations

import contextvars
import os
import threading
from collections import OrderedDict
from pathlib import Path

import pandas as pd
import streamlit as st

import queries

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WAREHOUSE = ROOT / "data" / "demo" / "warehouse"


def warehouse_dir() -> Path:
    """The warehouse folder: $ISTC_WAREHOUSE, else the demo warehouse `make demo` builds."""
    path = Path(os.environ.get("ISTC_WAREHOUSE", DEFAULT_WAREHOUSE))
    return path if path.is_absolute() else ROOT / path


# $ISTC_WAREHOUSE → (its CURRENT, that file's inode, size and mtime, the database file it named then). A page asks
# for the database at every query and scope check (20–70 times a rerun): reading the pointer and testing both files
# each time took ~4 ms of a rerun.
_POINTED: dict[str | None, tuple[Path, tuple[int, int, int], Path]] = {}


def current_db() -> Path | None:
    """The database file CURRENT names, looked at on every call so a republished warehouse is picked up.

    The ETL publishes by renaming a new pointer over the old one (a new inode), so the pointer is read again only
    when its stat changes.
    """
    setting = os.environ.get("ISTC_WAREHOUSE")
    known = _POINTED.get(setting)
    pointer = known[0] if known is not None else warehouse_dir() / "CURRENT"
    try:
        s = os.stat(pointer)
    except OSError:
        return None
    stamp = (s.st_ino, s.st_size, s.st_mtime_ns)
    if known is not None and known[1] == stamp:
        return known[2]
    db = pointer.parent / pointer.read_text(encoding="utf-8").strip()
    if not db.exists():  # not remembered: the file may yet appear under the same pointer
        return None
    _POINTED[setting] = (pointer, stamp, db)
    return db


@st.cache_resource(show_spinner=False)
def code_build_version() -> str:
    """The build version this code would give a database (etl/versions.py, derived from the code and dictionary)."""
    from etl.versions import build_version

    return build_version()


def built_by_older_code(db: Path) -> bool:
    """True when `db` was built by another version of the ETL (its meta_build says which): a page may ask it for a
    column it lacks."""
    return _stored_build_version(str(db)) != code_build_version()


@st.cache_data(max_entries=2, show_spinner=False)
def _stored_build_version(db_file: str) -> str | None:
    return queries.build_version(_connection(db_file))


class ScopeError(PermissionError):
    """A query for a scope outside the signed-in user's subtree (or with nobody signed in)."""


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(db_file: str):
    # Keyed on the versioned file name: a new publication gets a new connection (DuckDB caches by path).
    return queries.connect(Path(db_file))


class _Memo:
    """A process-wide LRU for query results: st.cache_data without its per-call price.

    A page asks for 20–40 results per rerun, nearly all cached. st.cache_data hashes every argument with its own
    hasher, inspects the function's signature and unpickles the stored frame on every call: 1–2 ms of the server's
    one core each, 30–60 ms per click. Here a hit is a dict look-up and a copy of the frame (the caller may change
    its copy, as with st.cache_data). One computation per key at a time, as st.cache_data does: a crowd arriving at a
    cold page runs each query once.
    """

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._values: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict = {}

    def get(self, key, make):
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            making = self._making.setdefault(key, threading.Lock())
        with making:
            with self._lock:
                if key in self._values:
                    return self._values[key]
            try:
                value = make()
                with self._lock:
                    self._values[key] = value
                    while len(self._values) > self.max_entries:
                        self._values.popitem(last=False)
            finally:
                with self._lock:
                    self._making.pop(key, None)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


_RESULTS = _Memo(2000)
_WITHIN = _Memo(20_000)


def clear_caches() -> None:
    """Forget every cached result and scope check (st.cache_data.clear() does not reach them): for benchmarks."""
    _RESULTS.clear()
    _WITHIN.clear()
    st.cache_data.clear()


def _cached(db_file: str, name: str, params: tuple) -> pd.DataFrame:
    key = (db_file, name, params)
    try:
        hash(key)
    except TypeError:  # an unhashable parameter: not cached
        return getattr(queries, name)(_connection(db_file), **dict(params))
    value = _RESULTS.get(key, lambda: getattr(queries, name)(_connection(db_file), **dict(params)))
    return value.copy() if hasattr(value, "copy") else value  # a frame, or survey_years' list


def remembered(name: str, scope_id: str, params: tuple, make):
    """`make()`, a page's result worked out from query results (pandas over cached frames), remembered as a query's
    result is: per database file, and only for a scope the signed-in user may see (checked first, as in `fetch`).
    `params` (hashable) must name everything else it depends on; the caller must not change what it gets."""
    db = _visible_db([scope_id])
    return _RESULTS.get((str(db), name, scope_id, params), make)


def connection_for(scope_id: str):
    """The read-only connection, for report builders that query directly — only for a scope the user may see."""
    return _connection(str(_visible_db([scope_id])))


def _visible_db(scopes: list) -> Path:
    """The current database file, once every one of `scopes` is found in the signed-in user's subtree
    (FileNotFoundError before the first publication, ScopeError for nobody signed in or a scope outside)."""
    db = current_db()
    if db is None:
        raise FileNotFoundError(warehouse_dir())
    root = user_root()
    for scope in scopes:
        if not _within(str(db), root, scope):
            raise ScopeError(f"无权查看范围 {scope}")
    return db


def _within(db_file: str, root_id: str, scope_id: str) -> bool:
    if not isinstance(scope_id, str) or not isinstance(root_id, str):  # a forged URL's list: never within
        return False
    return _WITHIN.get(
        (db_file, root_id, scope_id), lambda: queries.scope_within(_connection(db_file), root_id, scope_id)
    )


# The root bound by `as_user` for a call that runs outside the session's script run (a download's data callable).
_BOUND_ROOT: contextvars.ContextVar[str | None] = contextvars.ContextVar("istc_bound_root", default=None)


def user_root() -> str:
    """The account whose subtree the signed-in user may see; raises when nobody is signed in."""
    from .auth import current

    if (bound := _BOUND_ROOT.get()) is not None:
        return bound
    user = current()
    if user is None:
        raise ScopeError("未登录")
    return user.account_id


def as_user(make, root: str | None = None):
    """`make` as a callable that queries with the signed-in user's scope (`root`, else read now) wherever it runs.

    A download's data callable runs on click in a Streamlit worker thread with no session: there `auth.current()`
    finds nobody and every `fetch` would refuse ("未登录"). The user's root is read now, in the page script, and
    bound for the call; outside a script run with nobody signed in this raises, as `fetch` would.
    """
    root = root or user_root()

    def run():
        token = _BOUND_ROOT.set(root)
        try:
            return make()
        finally:
            _BOUND_ROOT.reset(token)

    return run


def allowed(scope_id: str) -> bool:
    """True when the signed-in user may see `scope_id`."""
    db = current_db()
    return db is not None and _within(str(db), user_root(), scope_id)


def fetch(name: str, **params: object) -> pd.DataFrame:
    """Run queries.<name> on the current warehouse, for a scope the signed-in user may see.

    Every scope-like parameter is checked against the user's subtree before the cache is consulted,
    so a forged URL or session value cannot widen it and a cached result never reaches another user.
    """
    scopes = [params[k] for k in ("scope_id", "root_id") if k in params] + list(params.get("scope_ids", []))
    db = _visible_db(scopes)
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    try:
        return _cached(str(db), name, frozen)
    except Exception:
        if not built_by_older_code(db):
            raise
        # A file built by older code may lack a column this code asks for: say so instead of a traceback.
        st.error(f"当前数据库（{db.name}）由较早版本的程序生成，缺少这部分内容需要的数据。"
                 "请运行一次 `python -m etl run --inbox 收件箱 --warehouse 仓库目录` 按新版本重建，然后刷新本页。")  # fmt: skip
        st.stop()
