"""National-scale benchmark: `python bench/run.py [--units N] [--years K]` prints figures and ratios, writes results.json.

Measures what a user waits for — the ETL, every dashboard query, page reruns, sizes and memory — against the
targets of the benchmark issue and against baselines measured in the same run (plain orjson parsing for the
ETL; pandas and DuckDB's raw scan for queries). Not a test: CI only runs `--smoke` to prove it still works.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import pct  # noqa: E402  (the project root is on the path from here)
from etl.timing import process_cpu  # noqa: E402  (the project root is on the path from here)
from ui import navigation  # noqa: E402

TARGETS = {  # at 100,000 units × 10 years on 2 cores: the benchmark issue's, the ETL's as the product owner set them (#22)
    "etl_warm_docs_per_s": (">=", 6_000), "etl_cold_docs_per_s": (">=", 6_000), "etl_cpu_us_per_doc": ("<=", 300),
    "etl_peak_rss_mb": ("<=", 4096),
    "rerun_nothing_new_s": ("<=", 5), "rerun_1pct_s": ("<=", 6), "query_p50_ms": ("<=", 15), "query_p95_ms": ("<=", 50),
    "query_vs_pandas_x": (">=", 5), "first_query_after_restart_ms": ("<=", 250), "page_p95_cached_ms": ("<=", 100),
    "page_p95_uncached_ms": ("<=", 300), "page_p95_8_sessions_ms": ("<=", 1000), "dashboard_rss_peak_mb": ("<=", 512),
}  # fmt: skip


def sh(args: list[str], **kw) -> float:
    """Run a command; returns wall seconds (raises on failure)."""
    t = time.perf_counter()
    subprocess.run(args, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, **kw)
    return time.perf_counter() - t


def drop_page_cache() -> bool:
    """Empty the OS page cache for a cold read (needs root and a writable /proc/sys); False if not possible."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def read_and_parse(inbox: Path) -> list[tuple[Path, int | None]]:
    """The baseline: read and parse every document (single files and batch lines) with orjson, nothing else.

    Returns where each document is: (file, None) or (batch file, line index).
    """
    where: list[tuple[Path, int | None]] = []
    for p in sorted(inbox.rglob("*.json")):
        with contextlib.suppress(orjson.JSONDecodeError):  # the demo's broken documents are part of the load
            orjson.loads(p.read_bytes())
        where.append((p, None))
    for p in sorted(inbox.rglob("*.jsonl")):
        for i, line in enumerate(p.read_bytes().split(b"\n")):
            if line.strip():
                with contextlib.suppress(orjson.JSONDecodeError):
                    orjson.loads(line)
                where.append((p, i))
    return where


def read_json_baseline(inbox: Path, n_docs: int) -> dict:
    """A second floor: DuckDB's own JSON reader loading every batch line into one table (C++, all cores).

    An ETL that validated in SQL, column by column, would start from here: its CPU per document is what such
    a design would spend before a single rule or roll-up. Single-file inboxes are not measured (None).
    """
    import duckdb

    files = sorted(str(p) for p in inbox.rglob("*.jsonl"))
    if not files:
        return {"baseline_read_json_docs_per_s": None, "baseline_read_json_cpu_us_per_doc": None}
    con = duckdb.connect()
    cpu, t = process_cpu(), time.perf_counter()
    con.execute("create table docs as select * from read_json($files, format = 'newline_delimited', "
                "ignore_errors = true, union_by_name = true)", {"files": files})  # fmt: skip
    seconds, cpu = time.perf_counter() - t, process_cpu() - cpu
    con.close()
    return {"baseline_read_json_docs_per_s": round(n_docs / seconds),
            "baseline_read_json_cpu_us_per_doc": round(cpu / n_docs * 1e6)}  # fmt: skip


def resubmit(where: list[tuple[Path, int | None]], share: float) -> int:
    """Write a corrected resubmission (revision + 10) of a random `share` of the documents; returns how many.

    Single files get a `_bench.json` sibling; lines of batches go into one `resubmitted_bench.jsonl` per folder,
    as the next day's export would bring them. Each correction changes figures as a unit's usually do (see
    `correct`): a patch skips what did not change, so resubmitting the same figures would flatter it.
    """
    batches: dict[Path, list[bytes]] = {}
    picked: dict[Path, list[int | None]] = {}
    for p, i in random.Random(1).sample(where, max(1, int(len(where) * share))):
        picked.setdefault(p, []).append(i)
    n = 0
    for p, lines in picked.items():  # each batch file read once
        split = p.read_bytes().split(b"\n") if lines[0] is not None else None
        n += sum(_resubmit_one(p, None if i is None else split[i], batches) for i in lines)
    for folder, lines in batches.items():
        (folder / "resubmitted_bench.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return n


def _resubmit_one(p: Path, line: bytes | None, batches: dict[Path, list[bytes]]) -> bool:
    """One corrected resubmission of the document in file `p` (or of its batch line); False for a broken one."""
    try:
        doc = orjson.loads(p.read_bytes() if line is None else line)
    except orjson.JSONDecodeError:
        return False
    doc["revision"] += 10
    doc["submission_id"] = f"bench-{doc['submission_id']}"
    correct(doc)
    if line is None:
        p.with_name(p.stem + "_bench.json").write_bytes(orjson.dumps(doc))
    else:
        batches.setdefault(p.parent, []).append(orjson.dumps(doc))
    return True


def correct(doc: dict) -> None:
    """A correction that keeps the document valid: one more staff member and, where the unit went abroad, one
    more outbound person-time to its first partner country (with the total, a purpose and a day to match)."""
    from etl.reference import load

    profile, exchange = doc.get("unit_profile"), doc.get("exchange")
    if not (isinstance(profile, dict) and isinstance(exchange, dict)):  # a draft or a broken document: resent as is
        return
    if isinstance(profile.get("staff_total"), int):
        profile["staff_total"] += 1
    scope = load().partner_scope
    out = (doc.get("by_partner") or {}).get("out_person_times") or {}
    partner = next((c for c, v in out.items() if scope.get(c) == "INTL" and isinstance(v, int) and v > 0), None)
    if partner is not None and isinstance(exchange.get("out_person_times"), int):
        out[partner] += 1
        exchange["out_person_times"] += 1
        exchange["out_pt_other"] += 1
        if exchange.get("out_person_days") is not None:
            exchange["out_person_days"] += 1


# The 1 % re-run is timed this many times from the same state, and the median reported: on this shared 2-core
# machine one sample swung by a quarter between runs of the same code.
RERUN_SAMPLES = 3


def bench_etl(inbox: Path, work: Path, results: dict) -> Path:
    """Full loads (cold and warm), a re-run with nothing new, and a re-run with 1 % resubmissions."""
    t = time.perf_counter()
    where = read_and_parse(inbox)
    parse = time.perf_counter() - t
    n_files = len({p for p, _ in where})
    results["input"] = "单个文件" if n_files == len(where) else f"批量导出（{n_files:,} 个 .jsonl 文件）"
    results["documents"] = len(where)
    results["baseline_parse_docs_per_s"] = round(len(where) / parse)
    results.update(read_json_baseline(inbox, len(where)))
    etl = [sys.executable, "-m", "etl", "run", "--inbox", str(inbox), "--quiet"]
    cold = drop_page_cache()
    seconds = sh([*etl, "--warehouse", str(work / "wh_cold")])
    results["etl_cold_docs_per_s"] = round(len(where) / seconds) if cold else None
    results["etl_cold_note"] = "" if cold else "无法清空页缓存（需要 root 且 /proc/sys 可写），冷启动未测"
    cpu = process_cpu()  # the ETL's process and its checking workers, counted once it has exited
    seconds = sh([*etl, "--warehouse", str(work / "wh")])
    cpu = process_cpu() - cpu
    results["etl_full_seconds"] = round(seconds, 1)
    # Where the warm load's time went (checking vs building): the two halves need different designs to go faster.
    summary = orjson.loads(max((work / "wh" / "runs").glob("*.json")).read_bytes())
    results["etl_steps_s"], results["etl_steps_cpu_s"] = summary.get("steps_s", {}), summary.get("steps_cpu_s", {})
    results["etl_warm_docs_per_s"] = round(len(where) / seconds)
    # A throughput on this machine is a CPU budget per document: the cores' seconds over the documents.
    results["etl_cpu_us_per_doc"] = round(cpu / len(where) * 1e6)
    results["etl_cpu_budget_us_per_doc"] = TARGETS["etl_cpu_us_per_doc"][1]  # all steps, checking workers included
    results["etl_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    results["etl_vs_parse_x"] = round(results["baseline_parse_docs_per_s"] / results["etl_warm_docs_per_s"], 1)
    results["rerun_nothing_new_s"] = round(sh([*etl, "--warehouse", str(work / "wh")]), 2)
    results["rerun_1pct_documents"] = resubmit(where, 0.01)
    # A run replaces warehouse files and never rewrites one, so hard links keep the state before the re-run.
    before = work / "wh_before_1pct"
    shutil.copytree(work / "wh", before, copy_function=os.link)
    samples = []
    for i in range(RERUN_SAMPLES):
        if i:
            shutil.rmtree(work / "wh")
            shutil.copytree(before, work / "wh", copy_function=os.link)
        cpu = process_cpu()
        seconds = sh([*etl, "--warehouse", str(work / "wh")])
        cpu = process_cpu() - cpu
        last = max((work / "wh" / "runs").glob("*.json"))  # run ids sort by time
        samples.append((seconds, cpu, orjson.loads(last.read_bytes())))
    shutil.rmtree(before)
    seconds, _, summary = sorted(samples, key=lambda sample: sample[0])[len(samples) // 2]
    results["rerun_1pct_s"] = round(seconds, 2)
    results["rerun_1pct_samples_s"] = [round(t, 2) for t, _, _ in samples]
    # CPU (the run and its checking workers) swings less than the wall clock with the machine's other load: what
    # two versions of the code are compared by.
    results["rerun_1pct_cpu_samples_s"] = [round(c, 2) for _, c, _ in samples]
    results["rerun_1pct_cpu_s"] = round(statistics.median(c for _, c, _ in samples), 2)
    results["rerun_1pct_patched"] = all(s.get("warehouse_patched", False) for _, _, s in samples)
    results["rerun_1pct_steps_s"] = summary.get("steps_s", {})  # where the median re-run's time went
    return work / "wh"


def query_specs(con) -> list[tuple[str, str, dict]]:
    """Every dashboard query at national scope and at a provincial scope: (label, query name, params)."""
    import queries

    province = queries.scope_children(con, "CN").iloc[0]["account_id"]
    years = queries.survey_years(con)
    y, y0 = years[-1], years[0]
    page = 500  # long lists are read a page at a time, as the pages do (ui.widgets.PAGE_ROWS)
    specs = []
    for scope_name, scope in (("全国", "CN"), ("省", province)):
        base = {"scope_id": scope, "basis": "finished", "unit_type": "ALL"}
        specs += [
            (scope_name, "rollup_by_year", {**base, "year_from": y0, "year_to": y}),
            (scope_name, "rollup_of_children_by_year", {**base, "year_from": y, "year_to": y,
                                                         "fields": ["out_person_times", "n_reported"]}),  # as 地区对比
            (scope_name, "partner_values_by_partner", {**base, "year": y, "fields": ["out_person_times"]}),
            (scope_name, "partner_totals_by_year", {**base, "year_from": y0, "year_to": y, "fields": ["out_person_times"]}),
            (scope_name, "projects_by_dimension", {**base, "year": y}),
            (scope_name, "choices_by_value", {**base, "year": y}),
            (scope_name, "filling_by_child", {"scope_id": scope, "year": y, "unit_type": "ALL"}),
            (scope_name, "filling_outstanding", {"scope_id": scope, "year": y, "unit_type": "ALL", "limit": page}),
            (scope_name, "filling_summary_by_year", {"scope_id": scope, "year_from": y0, "year_to": y, "unit_type": "ALL"}),
            (scope_name, "quality_summary_by_code", {"scope_id": scope, "year": y}),
            (scope_name, "quality_findings_by_account", {"scope_id": scope, "year": y, "limit": page}),
            (scope_name, "scope_path", {"scope_id": scope}),
            (scope_name, "scope_children", {"scope_id": scope}),
        ]  # fmt: skip
    return specs


def bench_queries(wh: Path, repeat: int, results: dict) -> None:
    """p50/p95 of every query (warm), the first query after a restart, and the pandas and raw-scan baselines."""
    import queries

    db = wh / (wh / "CURRENT").read_text().strip()
    con = queries.connect(db)
    rows = []
    for scope, name, params in query_specs(con):
        getattr(queries, name)(con, **params)  # warm up
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            getattr(queries, name)(con, **params)
            times.append((time.perf_counter() - t) * 1000)
        rows.append(
            {"scope": scope, "query": name, "p50_ms": round(pct(times, 50), 1), "p95_ms": round(pct(times, 95), 1)}
        )
    results["queries"] = rows
    results["query_p50_ms"] = max(r["p50_ms"] for r in rows)
    results["query_p95_ms"] = max(r["p95_ms"] for r in rows)
    # Baselines: the national roll-up in plain pandas over the same data, and DuckDB's raw scan of the biggest table.
    measures = con.execute("select m.account_id, m.survey_year, m.out_person_times, m.fund_reportable "
                           "from cur_basis m where basis = 'finished'").df()  # fmt: skip
    closure = con.execute("select ancestor_id, descendant_id from core_account_closure").df()
    times = []
    for _ in range(max(3, repeat // 4)):
        t = time.perf_counter()
        joined = measures.merge(closure[closure["ancestor_id"] == "CN"], left_on="account_id", right_on="descendant_id")
        joined.groupby("survey_year")[["out_person_times", "fund_reportable"]].sum()
        times.append((time.perf_counter() - t) * 1000)
    results["pandas_rollup_ms"] = round(statistics.median(times), 1)
    ours = next(r["p50_ms"] for r in rows if r["query"] == "rollup_by_year" and r["scope"] == "全国")
    results["query_vs_pandas_x"] = round(results["pandas_rollup_ms"] / max(ours, 0.01), 1)
    t = time.perf_counter()
    con.execute("select count(*), sum(value) from core_partner_values").fetchall()
    results["duckdb_raw_scan_ms"] = round((time.perf_counter() - t) * 1000, 1)
    results["largest_table_rows"] = con.execute("select count(*) from core_partner_values").fetchone()[0]
    con.close()
    # A restarted dashboard has imported its libraries at start-up; the user waits for connect + first query.
    probe = (f"import time,sys; sys.path.insert(0,{str(ROOT)!r}); import queries; t=time.perf_counter(); "
             f"c=queries.connect({str(db)!r}); queries.rollup_by_year(c,'CN',2000,2100,'finished','ALL'); "
             "print((time.perf_counter()-t)*1000)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    results["first_query_after_restart_ms"] = round(float(out.stdout.strip()), 1)


PAGE_PROBE = r"""
import os, sys, time, json, resource
sys.path.insert(0, {root!r})
os.environ.update(ISTC_WAREHOUSE={wh!r}, ISTC_AUTH="none")
import streamlit.runtime.scriptrunner.script_runner as sr
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
import tempfile
from pathlib import Path
from present import charts
from ui.server import settle_memory
settle_memory()  # as the dashboard server does before it starts
charts.publish_boundaries(Path(tempfile.mkdtemp()))  # and then: maps name their boundary file, not carry the shapes
class Nav(PagesManager):
    uses_pages_directory = False
sr.PagesManager = Nav
pages = {pages!r}
out = {{}}
for page in pages:
    at = AppTest.from_file({app!r}, default_timeout=120)
    at.query_params["scope"] = {scope!r}
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{{page}}.py")
    import streamlit as st
    from ui import data
    clear = getattr(data, "clear_caches", st.cache_data.clear)  # code before #23 cached in st.cache_data only
    clear()
    t = time.perf_counter(); at.run(); first = (time.perf_counter() - t) * 1000
    uncached = []
    for _ in range({uncached_runs}):
        clear()
        t = time.perf_counter(); at.run(); uncached.append((time.perf_counter() - t) * 1000)
    cached = []
    for _ in range({repeat}):
        t = time.perf_counter(); at.run(); cached.append((time.perf_counter() - t) * 1000)
    out[page] = {{"first": first, "uncached": uncached, "cached": cached, "errors": len(at.exception)}}
out["_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""
# The dashboard's pages that read the warehouse (the navigation's own list, less the export page and static help).
PAGES = [name for name in navigation.NAMES if name not in ("reports", "glossary", "guide")]


# Uncached reruns per page (Streamlit's result cache cleared before each): a page's first run in a process
# also reads its data blocks into DuckDB's buffer for the first time and is reported on its own.
UNCACHED_RUNS = 5
# Each page is timed alone in this many processes, one after another, and the median reported: on this shared
# machine a slow spell once put seven of nine pages' cached p95 46–90 % up (slowest 84 → 128 ms), and 80 ms right after.
PAGE_SAMPLES = 3


def _median_of(samples: list[dict], page: str, measure) -> float:
    """A page's measure in each sample, the median of them."""
    return round(statistics.median(measure(sample[page]) for sample in samples), 1)


def _page_run(wh: Path, scope: str, repeat: int, pages: list[str]) -> subprocess.Popen:
    code = PAGE_PROBE.format(root=str(ROOT), wh=str(wh), pages=pages, app=str(ROOT / "app.py"), scope=scope,
                             repeat=repeat, uncached_runs=UNCACHED_RUNS)  # fmt: skip
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=ROOT)  # fmt: skip


def bench_pages(wh: Path, repeat: int, results: dict, smoke: bool) -> None:
    """Server-side rerun time of every page (AppTest): its first run in the process, uncached and cached reruns,
    alone (PAGE_SAMPLES processes, median) and with 4 and 8 sessions. Alone, each page is rerun `repeat` times cached
    (a p95 of five was their maximum)."""
    pages = PAGES[:2] if smoke else PAGES
    samples = [
        json.loads(_page_run(wh, "CN", repeat, pages).communicate()[0]) for _ in range(2 if smoke else PAGE_SAMPLES)
    ]
    results["pages"] = {p: {"first_run_ms": _median_of(samples, p, lambda v: v["first"]),
                            "uncached_p95_ms": _median_of(samples, p, lambda v: pct(v["uncached"], 95)),
                            "cached_p95_ms": _median_of(samples, p, lambda v: pct(v["cached"], 95)),
                            "errors": sum(sample[p]["errors"] for sample in samples)}
                        for p in pages}  # fmt: skip
    # Every sample's slowest page, so a median never hides what one sample saw.
    results["page_p95_cached_samples_ms"] = [round(max(pct(sample[p]["cached"], 95) for p in pages), 1)
                                             for sample in samples]  # fmt: skip
    results["page_p95_cached_ms"] = max(v["cached_p95_ms"] for v in results["pages"].values())
    results["page_p95_uncached_ms"] = max(v["uncached_p95_ms"] for v in results["pages"].values())
    results["page_first_run_max_ms"] = max(v["first_run_ms"] for v in results["pages"].values())
    # AppTest holds every page's elements too.
    results["apptest_rss_mb"] = round(max(sample["_rss_mb"] for sample in samples))
    for n in (2,) if smoke else (4, 8):
        # Two cached runs a page in each session, as before; the p95 is over all sessions' runs.
        procs = [_page_run(wh, "CN", max(2, repeat // 8), pages) for _ in range(n)]
        times = []
        for p in procs:
            data = json.loads(p.communicate()[0])
            times += [t for k, v in data.items() if k in PAGES for t in v["cached"]]
        results[f"page_p95_{n}_sessions_ms"] = round(pct(times, 95), 1)


SERVER_PATHS = {"overview": "", **{p: p for p in PAGES[1:]}}


def _rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process, from /proc."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return tuple(round(int(status[k].split()[0]) / 1024, 1) for k in ("VmRSS", "VmHWM"))


def need_chromium() -> str:
    """Chromium's path, for the server's and the browser's steps; exits saying what to install when it is missing.

    main() asks first: those steps come after the ETL's and the queries' twenty minutes, which a missing browser then
    threw away."""
    from tests.browser.web import CHROMIUM  # one Chromium set-up, as bench/browser.py's

    if not Path(CHROMIUM).exists():
        raise SystemExit(
            "缺少 Chromium，无法测量看板进程内存和浏览器里的等待：请先以 root 运行 "
            "scripts/system-deps.sh chromium fonts-wqy-microhei（或 apt-get install -y chromium fonts-wqy-microhei）"
        )
    return CHROMIUM


def bench_server(wh: Path, results: dict, smoke: bool) -> None:
    """A real dashboard server: one headless-Chromium session opens every page nationally; its RSS afterwards."""
    import socket
    import urllib.request

    from playwright.sync_api import sync_playwright

    chromium = need_chromium()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "ISTC_WAREHOUSE": str(wh), "ISTC_AUTH": "none"}
    proc = subprocess.Popen([sys.executable, "-m", "ui.server", "--server.port", str(port), "--server.headless", "true",
                             "--server.address", "127.0.0.1"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            with contextlib.suppress(OSError):
                if urllib.request.urlopen(f"{base}/_stcore/health", timeout=1).read() == b"ok":
                    break
            time.sleep(0.5)
        results["dashboard_rss_idle_mb"] = _rss_mb(proc.pid)[0]
        shown = {}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
            for name in PAGES[:2] if smoke else PAGES:
                t = time.perf_counter()
                page.goto(f"{base}/{SERVER_PATHS[name]}?scope=CN")
                page.locator("h1").first.wait_for(timeout=120_000)
                page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                       timeout=120_000)  # fmt: skip
                shown[name] = round((time.perf_counter() - t) * 1000)
            errors = page.locator('[data-testid="stException"]').count()
            browser.close()
        results["browser_page_ms"] = shown
        results["browser_errors"] = errors
        results["dashboard_rss_mb"], results["dashboard_rss_peak_mb"] = _rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def verdicts(results: dict) -> dict:
    """Each target: measured value and whether it is met."""
    out = {}
    for key, (op, target) in TARGETS.items():
        value = results.get(key)
        ok = None if value is None else (value >= target if op == ">=" else value <= target)
        out[key] = {"value": value, "target": f"{op} {target}", "met": ok}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description="国际科技合作统计分析平台：全国规模基准测试")
    ap.add_argument("--units", type=int, default=100_000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "work")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    ap.add_argument(
        "--batch",
        type=int,
        default=10_000,
        metavar="N",
        help="the demo's documents as batch exports of N lines (default 10,000; 0 = one file per document)",
    )
    ap.add_argument("--smoke", action="store_true", help="tiny run for CI: proves the script works, claims nothing")
    ap.add_argument("--inbox", type=Path, default=None,
                    help="reuse a demo inbox made earlier with the same --units/--years (generating 1 million "
                         "documents takes ~40 min); the benchmark's own resubmission files in it are removed first")  # fmt: skip
    args = ap.parse_args()
    need_chromium()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    first = 2024 - args.years + 1
    results: dict = {"units": args.units, "years": f"{first}-2024", "cores": os.cpu_count(), "smoke": args.smoke}
    inbox = args.inbox or args.work / "inbox"
    if args.inbox:
        for stale in [*args.inbox.rglob("*_bench.json"), *args.inbox.rglob("*_bench.jsonl")]:
            stale.unlink()
        results["generate_seconds"] = None
    else:
        t = time.perf_counter()
        sh([sys.executable, "-m", "etl", "demo", "--inbox", str(inbox), "--units", str(args.units),
            "--years", f"{first}-2024", "--batch", str(args.batch)])  # fmt: skip
        results["generate_seconds"] = round(time.perf_counter() - t, 1)
    wh = bench_etl(inbox, args.work, results)
    bench_queries(wh, args.repeat, results)
    bench_pages(wh, args.repeat, results, args.smoke)
    bench_server(wh, results, args.smoke)
    from bench.browser import bench_browser, report  # click → painted in Chromium, one user and many at once

    bench_browser(wh, args.work / "users.json", results, smoke=args.smoke, log=args.work / "browser_server.log")
    results["warehouse_db_mb"] = round(sum(p.stat().st_size for p in (wh / "db").glob("*.duckdb")) / 2**20, 1)
    results["parquet_mb"] = round(sum(p.stat().st_size for p in (wh / "parquet").rglob("*.parquet")) / 2**20, 1)
    results["targets"] = verdicts(results)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(
        f"\n基准：{args.units:,} 个三级单位 × {args.years} 年 = {results['documents']:,} 份填报（{results['input']}）；"
        f"{results['cores']} 核"
    )
    print(f"{'指标':<34}{'实测':>14}{'目标':>14}  结论")
    for key, v in results["targets"].items():
        verdict = {True: "达标", False: "未达标", None: "未测"}[v["met"]]
        print(f"{key:<34}{v['value']!s:>14}{v['target']:>14}  {verdict}")
    print(f"\n基线：orjson 只解析 {results['baseline_parse_docs_per_s']:,} 份/秒（ETL 为其 1/{results['etl_vs_parse_x']}）；"
          f"pandas 全国汇总 {results['pandas_rollup_ms']} ms；DuckDB 扫描最大事实表（{results['largest_table_rows']:,} 行）"
          f"{results['duckdb_raw_scan_ms']} ms")  # fmt: skip
    print("ETL 全量（热页缓存）各步用时（秒）：" + "，".join(f"{k} {v}" for k, v in results["etl_steps_s"].items()))
    cpu = "，".join(f"{k} {v}" for k, v in results["etl_steps_cpu_s"].items())
    print(f"  其 CPU 秒（含 DuckDB 线程和校验子进程）：{cpu}")
    read_json = results["baseline_read_json_cpu_us_per_doc"]
    print(f"  每份填报用 CPU {results['etl_cpu_us_per_doc']:,} µs（目标 ≤ {results['etl_cpu_budget_us_per_doc']} µs；"
          f"{TARGETS['etl_warm_docs_per_s'][1]:,} 份/秒在 {results['cores']} 核上折合每份 "
          f"{round(results['cores'] * 1e6 / TARGETS['etl_warm_docs_per_s'][1])} µs）。"
          + ("" if read_json is None else f"DuckDB read_json 只把填报读成一张表就要 {read_json} µs/份"
                                          f"（{results['baseline_read_json_docs_per_s']:,} 份/秒）"))  # fmt: skip
    print(
        f"1% 重新提交：{'在上一版数据库上修补' if results.get('rerun_1pct_patched') else '整库重建'}；"
        f"同一状态测 {RERUN_SAMPLES} 次 {results['rerun_1pct_samples_s']} 秒，取中位数"
        f"（CPU {results['rerun_1pct_cpu_samples_s']} 秒，含校验子进程）；其各步用时（秒）："
    )
    print("  " + "，".join(f"{k} {v}" for k, v in results.get("rerun_1pct_steps_s", {}).items()))
    print(f"页面在进程中的首次运行（DuckDB 首次读入其数据块）：最慢 {results['page_first_run_max_ms']} ms；"
          f"未缓存 p95 取每页 {UNCACHED_RUNS} 次清除缓存后的重跑；各页单独测 {len(results['page_p95_cached_samples_ms'])} 遍取中位数，"
          f"每遍最慢页的有缓存 p95：{results['page_p95_cached_samples_ms']} ms")  # fmt: skip
    print("\n浏览器中点击到绘制完成（bench/browser.py）：")
    report(results["browser"])
    print(f"仓库 {results['warehouse_db_mb']} MB，Parquet {results['parquet_mb']} MB；结果已写入 {args.out}")
    if args.smoke:
        shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
