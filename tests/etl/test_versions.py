"""The ETL's fingerprints follow the dictionary and the code by themselves: a dictionary edit is never served stale."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

from etl import dictionary as d
from etl.run import run
from etl.versions import build_files, build_version, etl_version, validation_files
from tests.conftest import TODAY, connect
from tests.etl.test_patch import _write
from tests.fixtures.inbox import doc, write_inbox

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def relabelled(name: str, label: str):
    """The dictionary's field `name` with another Chinese label, as an edit of etl/dictionary would give it."""
    f = d.field(name)
    before = f.label_zh
    object.__setattr__(f, "label_zh", label)  # Field is frozen: an edit of the dictionary, for this test only
    try:
        yield
    finally:
        object.__setattr__(f, "label_zh", before)


def test_a_dictionary_edit_moves_both_fingerprints():
    before = etl_version(), build_version()
    with relabelled("out_person_times", "出访人次（含线上）"):
        during = etl_version(), build_version()
    assert during[0] != before[0] and during[1] != before[1]
    assert (etl_version(), build_version()) == before  # the same code, the same fingerprints


def test_a_run_after_a_dictionary_edit_checks_everything_again_and_rebuilds(tmp_path):
    inbox, wh = write_inbox(tmp_path / "inbox"), tmp_path / "wh"
    first = run(inbox, wh, today=TODAY, progress=False)
    assert run(inbox, wh, today=TODAY, progress=False)["warehouse_rebuilt"] is False  # nothing new, nothing to do
    with relabelled("out_person_times", "出访人次（含线上）"):
        summary = run(inbox, wh, today=TODAY, progress=False)
        version = build_version()
    assert (summary["unchanged"], summary["loaded"], summary["warehouse_rebuilt"]) == (0, first["loaded"], True)
    assert summary["database"].endswith(f"-{version}.duckdb")
    con = connect(wh)
    assert con.execute("select label_zh from meta_fields where name = 'out_person_times'").fetchone() == (
        "出访人次（含线上）",
    )
    assert con.execute("select kind, build_version from meta_build").fetchall() == [("build", version)]
    con.close()


def test_meta_build_says_which_code_built_and_patched_the_database(tmp_path, loaded_copy):
    inbox, wh = loaded_copy(tmp_path)  # the fixture inbox, loaded
    _write(inbox, "2019/SJZ_r1.json", doc("SJZ", 2019, funds={"municipal": 60}))
    assert run(inbox, wh, today=TODAY, progress=False)["warehouse_patched"]
    con = connect(wh)
    rows = con.execute("select kind, build_version from meta_build order by kind").fetchall()
    con.close()
    assert rows == [("build", build_version()), ("patch", build_version())]


def test_every_module_the_etl_runs_is_fingerprinted():
    """What the checking workers, the build and the patch import (Python's own import, in a fresh interpreter) is
    hashed: the table spec and the Parquet/ledger store included, and a module added later without listing it."""
    code = "import sys, etl.intake, etl.flatten_sql, etl.rule_sql, etl.build, etl.patch; print('\\n'.join(m.__file__ for n, m in sys.modules.items() "
    code += "if n.startswith('etl.') and getattr(m, '__file__', None)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    imported = {Path(line).resolve() for line in out.split()}
    hashed = {p.resolve() for p in (*validation_files(), *build_files())}
    assert imported - hashed == set()
    assert {p.name for p in validation_files()} >= {
        "tables.py",
        "flatten.py",
        "flatten_sql.py",
        "rule_sql.py",
        "schema.py",
        "doc_rules.py",
        "validate.py",
    }
    assert {p.name for p in build_files()} >= {"store.py", "ddl.py", "marts.py", "patch.py", "21_partner_units.sql"}


def test_a_roll_up_definition_edit_moves_both_fingerprints():
    f = d.field("n_units_active")
    before = etl_version(), build_version()
    object.__setattr__(f, "units_where", "b.has_intl_activity and b.staff_total > 0")  # an edit of the dictionary
    try:
        during = etl_version(), build_version()
    finally:
        object.__setattr__(f, "units_where", "b.has_intl_activity")
    assert during[0] != before[0] and during[1] != before[1]
