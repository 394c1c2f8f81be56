"""Shared fixtures: the hand-written fixture warehouse, built once per test session; private copies of a loaded
fixture warehouse for tests that change it; user stores whose password hashes are made once per run."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

import queries
from accounts import users
from etl.demo import generate
from etl.run import run
from etl.store import atomic_write
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


@pytest.fixture(scope="session")
def loaded_copy(tmp_path_factory):
    """`loaded_copy(dest, only=None)` → (dest/inbox, dest/wh): the fixture inbox (or the files named in `only`) and
    the warehouse its first run made, copied for a test that goes on to change them. The same as `write_inbox` and
    `run` in the test (the warehouse names inbox files by relative path; the copy keeps their mtimes, so the next run
    finds them unchanged), but each first load is made once per test session, not once per test."""
    base = tmp_path_factory.mktemp("loaded")
    made: dict[tuple | None, Path] = {}

    def copy(dest: Path, only: list[str] | None = None) -> tuple[Path, Path]:
        key = tuple(only) if only is not None else None
        if key not in made:
            root = base / str(len(made))
            run(write_inbox(root / "inbox", only=only), root / "wh", today=TODAY, progress=False)
            made[key] = root
        shutil.copytree(made[key], dest, dirs_exist_ok=True)
        return dest / "inbox", dest / "wh"

    return copy


@pytest.fixture()
def demo_copy(demo_warehouse, tmp_path) -> tuple[Path, Path]:
    """(inbox, warehouse) in tmp_path: a copy of the small national demo (demo_warehouse) and its inbox, for a test
    that goes on to change them; the demo is generated and loaded once per test session."""
    shutil.copytree(demo_warehouse.parent / "inbox", tmp_path / "inbox")
    shutil.copytree(demo_warehouse, tmp_path / "wh")
    return tmp_path / "inbox", tmp_path / "wh"


_stores: dict[tuple, bytes] = {}


def user_store(path: Path, accounts: dict[str, str]) -> Path:
    """A user store at `path` with `accounts` (username → account id), each password `password-<username>`, as
    `users.add` writes it. The argon2 hashes cost ~0.1 s of CPU each, on purpose, and ~100 tests need a store: each
    set of users is added once per run and its file copied after. Adding users is tested in tests/accounts."""
    key = tuple(accounts.items())
    if key in _stores:
        atomic_write(path, _stores[key], mode=0o600)
    else:
        for name, account in accounts.items():
            users.add(name, account, f"password-{name}", path=path)
        _stores[key] = path.read_bytes()
    return path


# The longest modules, longest first: under xdist (`--dist loadfile`) each worker takes the next module when it is
# free, so these start at once and the many short ones fill in behind (xdist's own order counts tests, not seconds).
LONGEST_FIRST = (
    "tests/browser/test_every_download.py",
    "tests/browser/test_browser.py",
    "tests/test_bench_smoke.py",
    "tests/etl/test_crash.py",
    "tests/browser/test_names_in_browser.py",
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (pyproject's addopts: `-n 2 --dist loadfile`) each module runs whole on one worker, so its
    module-scoped fixtures are built once; the browser package's Chromium and fixture dashboard (tests/browser/
    conftest.py) are started on each worker that runs browser modules, again if other modules ran in between.
    `--dist loadgroup` would keep the package on one worker, but xdist 3.8 names groups through an attribute pytest 9
    no longer reads: every test became a group of its own."""
    if hasattr(config, "workerinput"):  # every worker sorts alike: xdist checks that they collected the same list
        rank = {module: i for i, module in enumerate(LONGEST_FIRST)}
        items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))
