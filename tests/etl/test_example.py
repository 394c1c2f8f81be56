"""The README's example submission loads, with the reportable funding the README states."""

from __future__ import annotations

import shutil
from pathlib import Path

from etl.run import run
from tests.conftest import TODAY, connect

DOCS = Path(__file__).resolve().parents[2] / "docs" / "examples"


def test_example_submission_loads(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(DOCS / "accounts.csv", inbox)
    shutil.copy(DOCS / "submission.json", inbox)
    summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert (summary["loaded"], summary["quarantined"]) == (1, 0)
    con = connect(tmp_path / "wh")
    row = con.execute(
        "select fund_reportable, fund_total_all, proj_active, out_person_times, n_partner_countries_exchange "
        "from core_measures"
    ).fetchone()
    con.close()
    # 395.5 in all; central 200, provincial 50 and municipal 30 are left out (石家庄 reports municipal funds)
    assert row == (115.5, 395.5, 2, 40, 4)
