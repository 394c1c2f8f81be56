"""A run's own process makes no full collection of what it holds for the whole run (the registry, the history, the
ledger's columns: millions of objects nationally, walked again by every full collection while the checking waited for
this process), as the checking workers do; afterwards the collector is as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fixtures.inbox import write_inbox

ROOT = Path(__file__).resolve().parents[2]

# In a process of its own: the collector's state is the process's. Each judged document leaves long-lived objects
# behind, as a national run's ledger grows by each document: 20,000 here, so that the fixture's few dozen documents
# pile up hundreds of thousands, as a national run's million do millions.
PROBE = """if True:
    import gc, sys
    from pathlib import Path
    from etl import run as etl_run

    kept = []
    judge = etl_run._Judge.judge

    def judge_and_keep(self, o, parquet):
        kept.extend([i] for i in range(20_000))
        return judge(self, o, parquet)

    etl_run._Judge.judge = judge_and_keep
    full, running = [], [False]

    def count_full(phase, info):
        if running[0] and phase == "start" and info["generation"] == 2:
            full.append(1)

    gc.callbacks.append(count_full)
    before = gc.get_threshold()
    running[0] = True
    summary = etl_run.run(Path(sys.argv[1]), Path(sys.argv[2]), progress=False)
    running[0] = False
    print(summary["loaded"], len(kept), len(full), gc.get_threshold() == before)
"""


def test_a_run_walks_no_long_lived_object_again_and_gives_the_collector_back(tmp_path):
    inbox = write_inbox(tmp_path / "inbox")
    done = subprocess.run([sys.executable, "-c", PROBE, str(inbox), str(tmp_path / "wh")], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ}, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    loaded, kept, full_collections, restored = done.stdout.split()
    assert int(loaded) > 0 and int(kept) >= 200_000  # the run judged documents and the objects piled up
    assert full_collections == "0"  # (with Python's default collector: a full collection every ~70,000 objects)
    assert restored == "True"  # the process's collector is its own again after the run
