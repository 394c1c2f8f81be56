"""Shared fixtures: the hand-written fixture warehouse, built once per test session."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

import queries
from etl.demo import generate
from etl.run import run
from tests.fixtures.inbox import write_inbox

TODAY = dt.date(2026, 11, 27)  # fixed, so that the survey-year range check does not drift


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published database of `warehouse`."""
    name = (warehouse / "CURRENT").read_text(encoding="utf-8").strip()
    return queries.connect(warehouse / name)  # the app's settings: one process may hold both


def run_killed_in(target: str, inbox: Path, warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the ETL as if killed when it reaches `target` (a dotted function path); the kill propagates."""

    def killed(*args, **kwargs):
        raise KeyboardInterrupt(f"killed in {target}")

    with monkeypatch.context() as m:
        m.setattr(target, killed)
        with pytest.raises(KeyboardInterrupt):
            run(inbox, warehouse, today=TODAY, progress=False)


@pytest.fixture(scope="session")
def fixture_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """(warehouse path, run summary) of the fixture inbox loaded once."""
    root = tmp_path_factory.mktemp("fixture")
    inbox = write_inbox(root / "inbox")
    summary = run(inbox, root / "warehouse", today=TODAY, progress=False)
    return root / "warehouse", summary


@pytest.fixture(scope="session")
def fixture_db(fixture_run: tuple[Path, dict]):
    """Read-only connection to the fixture warehouse."""
    con = connect(fixture_run[0])
    yield con
    con.close()


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> Path:
    """A small national demo (300 units, 2019–2020), loaded by the ETL."""
    root = tmp_path_factory.mktemp("demo_app")
    generate(root / "inbox", units=300, years=range(2019, 2021), seed=5)
    run(root / "inbox", root / "wh", today=TODAY, progress=False)
    return root / "wh"
