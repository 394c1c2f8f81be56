"""The cached read-only warehouse connection, following the ETL's CURRENT pointer, and cached queries."""

from __future__ import annotations

import os
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


def current_db() -> Path | None:
    """The database file CURRENT names, read on every rerun so a republished warehouse is picked up."""
    pointer = warehouse_dir() / "CURRENT"
    if not pointer.exists():
        return None
    db = warehouse_dir() / pointer.read_text(encoding="utf-8").strip()
    return db if db.exists() else None


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(db_file: str):
    # Keyed on the versioned file name: a new publication gets a new connection (DuckDB caches by path).
    return queries.connect(Path(db_file))


@st.cache_data(max_entries=2000, show_spinner=False)
def _cached(db_file: str, name: str, params: tuple) -> pd.DataFrame:
    return getattr(queries, name)(_connection(db_file), **dict(params))


def connection():
    """The cached read-only connection to the current warehouse (for report builders that query directly)."""
    db = current_db()
    if db is None:
        raise FileNotFoundError(warehouse_dir())
    return _connection(str(db))


def fetch(name: str, **params: object) -> pd.DataFrame:
    """Run queries.<name> on the current warehouse; cached by database file and every parameter (scope included)."""
    db = current_db()
    if db is None:
        raise FileNotFoundError(warehouse_dir())
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    return _cached(str(db), name, frozen)


def fetch_list(name: str, **params: object) -> list:
    """Like fetch, for query functions that return a list."""
    return list(fetch(name, **params))
