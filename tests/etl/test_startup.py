"""A command-line run and its checking workers never import pandas: pyarrow would, the first time it converts Python
data, only to ask whether that data is a pandas object (etl/startup.py)."""

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


def test_after_the_probe_is_skipped_arrow_tables_do_not_import_pandas_and_to_pandas_still_does():
    code = """if True:
        import sys
        import pyarrow as pa
        from etl.startup import skip_pandas_probe
        skip_pandas_probe()
        pa.table({"a": [1, 2], "b": ["x", None]})
        print("pandas" in sys.modules)
        print(type(pa.table({"a": [1]}).to_pandas()).__name__)
    """
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "DataFrame"]


def test_a_command_line_run_and_its_checking_workers_import_no_pandas(tmp_path):
    """The fixture inbox checked by worker processes (as a big inbox is): every process's imports are listed on stderr."""
    inbox = write_inbox(tmp_path / "inbox")
    code = (
        "import sys; from etl import intake; intake.PARALLEL_FROM = 0; from etl.__main__ import main; sys.exit(main())"
    )
    done = _python(code, "run", "--inbox", str(inbox), "--warehouse", str(tmp_path / "wh"), "--quiet", "--workers", "2",
                   env={"PYTHONPROFILEIMPORTTIME": "1"})  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    imported = [line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert imported.count("etl.intake") >= 2  # the run's own process and a checking worker (started as needed)
    assert "pyarrow" in imported
    # pyarrow's attempt is listed as "pandas" however it ends; pandas imported for real brings its modules along.
    assert "pandas" in imported
    assert [m for m in imported if m.startswith("pandas.")] == []
