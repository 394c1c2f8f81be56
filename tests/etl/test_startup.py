"""A command-line run and its checking workers never import pandas: pyarrow would, the first time it converts Python
data, only to learn about pandas' objects (etl/startup.py). A process that calls the ETL in-process keeps pandas."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fixtures.inbox import write_inbox

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)  # fmt: skip


def test_a_command_line_run_and_its_checking_workers_import_no_pandas(tmp_path):
    """`python -m etl run` on the fixture inbox, checked by worker processes (as a big inbox is): every process's imports
    are listed on stderr."""
    inbox = write_inbox(tmp_path / "inbox")
    code = """if True:
        import runpy, sys
        from etl import intake
        intake.PARALLEL_FROM = 0
        sys.argv = ["etl", *sys.argv[1:]]
        runpy.run_module("etl", run_name="__main__", alter_sys=True)
    """
    done = _python(code, "run", "--inbox", str(inbox), "--warehouse", str(tmp_path / "wh"), "--quiet", "--workers", "2",
                   env={"PYTHONPROFILEIMPORTTIME": "1"})  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    imported = [line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert imported.count("etl.intake") >= 2  # the run's own process and a checking worker (started as needed)
    assert "pyarrow" in imported
    # pyarrow's attempt is listed as "pandas" however it ends; pandas imported for real brings its modules along.
    assert "pandas" in imported
    assert [m for m in imported if m.startswith("pandas.")] == []


def test_a_process_that_runs_the_etl_in_process_can_still_hand_pandas_data_to_pyarrow(tmp_path):
    """main(["run", ...]) called in a process that has not imported pandas yet (as the bench's tools do) leaves
    pyarrow's pandas support alone: pandas' missing values still convert."""
    inbox = write_inbox(tmp_path / "inbox")
    code = """if True:
        import sys
        from etl.__main__ import main
        assert main(["run", "--inbox", sys.argv[1], "--warehouse", sys.argv[2], "--quiet"]) == 0
        import datetime as dt
        import pandas as pd
        import pyarrow as pa
        print(pa.array([1, pd.NA], from_pandas=True).to_pylist())
        when = pd.DataFrame({"a": pd.Series([dt.datetime(2020, 1, 1), pd.NaT], dtype=object)})
        print(pa.Table.from_pandas(when).column("a").to_pylist())
    """
    done = _python(code, str(inbox), str(tmp_path / "wh"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines()[-2:] == ["[1, None]", "[datetime.datetime(2020, 1, 1, 0, 0), None]"]
