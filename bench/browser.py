"""What a user waits for in the browser: click → painted in headless Chromium against the real dashboard.

`python bench/browser.py --warehouse WH --users users.json [--port 8640] [--base URL] [--smoke]` (or from
bench/run.py). For every page (ui/navigation.py), as the ministry user (全国) and as a provincial user (河北省):
the time from a sidebar click — and from a drill-down click and a filter change — until Streamlit has finished
the run and the screen has stopped changing (every plotly figure drawn), cold (first visit after sign-in) and warm
(repeat visits), p50/p95; the bytes the server sent over the websocket per page. Then many users at once, two ways:
a few browser contexts of one headless Chromium (end to end, small N), and 8, 16, 32 tabs of bench/protocol.py, a
client speaking Streamlit's websocket protocol (the same sign-in form and page clicks on the wire, no drawing), each
signing in and clicking through pages with think time.

How "painted" is read: the page counts every DOM change (a MutationObserver) and every plotly redraw
(`plotly_afterplot`), except changes inside a <canvas> (its children are fallback content, never drawn; the data grid
writes its accessibility table there some 300 ms after it has painted, which read as a later paint); after Streamlit's `script_finished` message for the click's run arrives on the websocket, the
measurement waits until nothing has changed for QUIET_MS and takes the time of the last change. The click's own
time is taken in the page too (a capturing click listener), so both ends are on the browser's clock.

Why both: a Chromium drawing 16 or 32 tabs shares the two cores with the server (per click it spends 0.4–1 s of CPU
to the server's 0.1–0.2 s), so a browser crowd measures mostly itself; the protocol client's tabs cost the server the
same as browsers do and leave it the cores. Their times end at the server's script_finished, without drawing; the
single-user figures above say what drawing adds. `crowd(base, …)` and bench/protocol.py take the dashboard's
address, so both can be pointed at a front end (nginx) as well.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))  # protocol.py beside this file, also when run from bench/run.py

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from accounts import users  # noqa: E402
from bench.stats import pct  # noqa: E402
from tests.browser.web import ARGS, CHROMIUM, ERRORS, came_up  # noqa: E402  (one Chromium set-up)
from ui import navigation  # noqa: E402

PAGES = [(name, title) for pages in navigation.SECTIONS.values() for name, title in pages]
TITLES = dict(PAGES)
USERS = {"全国": "ministry", "省": "hebei"}  # scope label → demo user (accounts.users.DEMO_USERS)
CROWD_USERS = ["ministry", "hebei", "shijiazhuang"]  # the deadline-day crowd: ministry, province and city supervisors
QUIET_MS = 400  # the screen is painted once nothing has changed for this long
TIMEOUT_S = 120
TARGETS = {"warm_p95_ms": {"全国": 1000, "省": 700}, "first_page_ms": 2000, "crowd_16_p95_ms": 2000}

# Installed before any page script: when the last click happened and when the screen last changed.
PROBE = """
window.__bench = {t0: 0, last: 0};
document.addEventListener('click', () => { window.__bench.t0 = performance.now(); }, true);
const mark = () => { window.__bench.last = performance.now(); };
// A canvas's children are never drawn: the data grid writes its accessibility table there after it has painted.
const drawn = m => { const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
                     return !(el && el.closest('canvas')); };
new MutationObserver(ms => { if (ms.some(drawn)) mark(); })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
const watch = () => document.querySelectorAll('.js-plotly-plot').forEach(d => {
  if (!d.__benchWatched && d.on) { d.__benchWatched = true; d.on('plotly_afterplot', mark); }
});
setInterval(watch, 50);
"""
SETTLED = f"""() => {{
  const b = window.__bench, now = performance.now();
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  const drawn = charts.every(c => c.querySelector('.main-svg'));
  // a lazily loaded element (plotly's code, first time) shows a skeleton; an element of the last run, stale
  const idle = !document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSkeleton"], [data-stale="true"]');
  return idle && drawn && now - b.last >= {QUIET_MS} ? {{t0: b.t0, last: b.last, now, charts: charts.length}} : null;
}}"""


class Wire:
    """What one browser page received over Streamlit's websocket: bytes, and finished script runs."""

    def __init__(self) -> None:
        self.bytes = 0
        self.finished = 0  # script runs finished (not those cut short by st.rerun)
        self.closed = 0
        self.event = asyncio.Event()  # set at each finished run

    def attach(self, ws) -> None:
        if "_stcore/stream" not in ws.url:
            return
        ws.on("framereceived", self.received)
        ws.on("close", lambda _: setattr(self, "closed", self.closed + 1))

    def received(self, payload: bytes | str) -> None:
        size = len(payload)
        self.bytes += size
        if size < 512 and isinstance(payload, bytes):  # script_finished is a few bytes; deltas are not parsed
            msg = ForwardMsg()
            with contextlib.suppress(Exception):
                msg.ParseFromString(payload)
                if (
                    msg.WhichOneof("type") == "script_finished"
                    and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
                ):
                    self.finished += 1
                    self.event.set()


TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def cpu_ms(server_pid: int | None) -> dict[str, float]:
    """CPU milliseconds so far of the dashboard process and of this bench's Chromium processes (from /proc): on a
    machine shared with others, wall time swings with their load, the CPU a click costs does not."""
    if server_pid is None:
        return {}
    out = {"server_cpu_ms": 0.0, "browser_cpu_ms": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            text = stat.read_text()
            name, fields = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
            spent = (int(fields[11]) + int(fields[12])) * TICK_MS  # utime + stime
            if int(stat.parent.name) == server_pid:
                out["server_cpu_ms"] += spent
            elif name.startswith(("chromium", "chrome")) and _ours(int(fields[1])):
                out["browser_cpu_ms"] += spent
    return out


def _ours(ppid: int) -> bool:
    """True when a process with parent `ppid` descends from this one (the bench's own Chromium, not another's)."""
    me = os.getpid()
    for _ in range(8):
        if ppid == me:
            return True
        if ppid <= 1:
            return False
        try:
            ppid = int(Path(f"/proc/{ppid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return False
    return False


class NotApplicable(Exception):
    """The action does not exist on this warehouse (e.g. a year change with one year): not measured, not a failure."""


class Session:
    """One signed-in browser context: its page, its websocket counters."""

    def __init__(self, context, page, wire: Wire, user: str, server_pid: int | None = None) -> None:
        self.context, self.page, self.wire, self.user, self.server_pid = context, page, wire, user, server_pid

    async def measure(self, action: Callable[[], Awaitable[None]]) -> dict:
        """Do `action` (a click), wait until its run has finished and the screen is still; ms and bytes."""
        page, wire = self.page, self.wire
        await page.evaluate("() => { window.__bench.t0 = 0; }")
        cpu = cpu_ms(self.server_pid)
        finished, sent, t0 = wire.finished, wire.bytes, time.perf_counter()
        wire.event.clear()
        await action()
        deadline = t0 + TIMEOUT_S
        while wire.finished == finished:
            await asyncio.wait_for(wire.event.wait(), timeout=max(0.1, deadline - time.perf_counter()))
            wire.event.clear()
        while not (done := await page.evaluate(SETTLED)):
            if time.perf_counter() > deadline:
                raise TimeoutError("screen never settled")
            await page.wait_for_timeout(50)
        waited = time.perf_counter() - t0
        # The click's time on the page's clock; after a navigation that lost it, the Python side's.
        ms = done["last"] - done["t0"] if done["t0"] else waited * 1000 - (done["now"] - done["last"])
        errors = await page.locator(ERRORS).count()
        spent = {k: round(v - cpu[k]) for k, v in cpu_ms(self.server_pid).items()}
        return {"ms": round(ms), "bytes": wire.bytes - sent, "charts": done["charts"], "errors": errors, **spent}

    async def attempt(self, action: Callable[[], Awaitable[dict]], failures: list[str]) -> list[dict]:
        """One measurement, or none when it timed out or failed (noted in `failures`): the run goes on."""
        try:
            return [await action()]
        except NotApplicable:
            return []
        except Exception as e:
            failures.append(f"{self.user}: {type(e).__name__}: {str(e)[:200]}")
            with contextlib.suppress(Exception):
                await self.page.keyboard.press("Escape")
            return []

    async def visit(self, title: str) -> dict:
        """A click on the page's link in the sidebar."""
        return await self.measure(lambda: self.page.get_by_role("link", name=title, exact=True).click())

    async def drill(self) -> dict:
        """On 总览, a click on the first bar of the children's ranking (third chart): one level down."""
        chart = self.page.locator('[data-testid="stPlotlyChart"]').nth(2)
        await chart.scroll_into_view_if_needed()
        bar = chart.locator(".barlayer .point path").last  # the largest child (drawn on top)
        return await self.measure(lambda: bar.click(force=True))

    async def up(self) -> dict:
        """One click on the breadcrumb's first crumb: back to the user's own scope."""
        crumb = self.page.locator('[data-testid="stButton"] button[kind="tertiary"]').first
        return await self.measure(lambda: crumb.click())

    async def tabs(self) -> list[str]:
        """The labels of the tabs in the page's main area (a page builds and draws only its open tab)."""
        return await self.page.locator('[data-testid="stMain"] [role="tab"]').all_inner_texts()

    async def open_tab(self, label: str) -> dict:
        """A click on one of the page's tabs: the page reruns and draws that tab's charts."""
        return await self.measure(
            lambda: self.page.locator('[data-testid="stMain"] [role="tab"]', has_text=label).click()
        )

    async def change_year(self) -> dict:
        """The sidebar's 统计年度 changed to the year before the one shown (or after, at the first year)."""
        box = self.page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first
        await box.click()
        options = self.page.locator('[role="option"]')
        await options.first.wait_for(timeout=30_000)
        if await options.count() < 2:  # a warehouse of one year: nothing to change to
            await self.page.keyboard.press("Escape")
            raise NotApplicable("只有一个统计年度")
        selected = await options.evaluate_all("os => os.map(o => o.getAttribute('aria-selected') === 'true')")
        chosen = selected.index(True) if True in selected else 0
        target = options.nth(chosen - 1 if chosen else chosen + 1)
        return await self.measure(lambda: target.click())


async def sign_in(browser, base: str, user: str, server_pid: int | None = None) -> tuple[Session, dict]:
    """A fresh browser context signed in as `user`; with the time from the 登录 click to the first page painted."""
    context = await browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    await context.add_init_script(PROBE)
    page = await context.new_page()
    wire = Wire()
    page.on("websocket", wire.attach)
    await page.goto(f"{base}/", wait_until="commit", timeout=TIMEOUT_S * 1000)
    await page.get_by_label("用户名").fill(user)
    await page.get_by_label("密码").fill(users.DEMO_USERS[user][1])
    session = Session(context, page, wire, user, server_pid)
    await page.get_by_role("button", name="登录").wait_for(timeout=TIMEOUT_S * 1000)
    # A person takes seconds to type a name and a password; the page uses them to load the dashboard's scripts
    # (ui/preload.py). The click comes once the sign-in page has loaded what it asks for, as it would for a person.
    with contextlib.suppress(Exception):
        await page.wait_for_load_state("networkidle", timeout=10_000)
        await page.evaluate("async () => { await (window.__istcPreloaded || null); }")
    first = await session.measure(lambda: page.get_by_role("button", name="登录").click())
    return session, first


def summary(samples: list[dict]) -> dict:
    ms = [s["ms"] for s in samples]
    out = {"n": len(ms), "p50_ms": pct(ms, 50), "p95_ms": pct(ms, 95), "max_ms": max(ms) if ms else None,
           "bytes_median": pct([s["bytes"] for s in samples], 50)}  # fmt: skip
    for key in ("server_cpu_ms", "browser_cpu_ms"):  # what a click costs, whatever else the machine is doing
        if samples and key in samples[0]:
            out[f"{key}_median"] = pct([s[key] for s in samples], 50)
    return out


async def one_user(
    browser, base: str, user: str, pages: list[tuple[str, str]], rounds: int, server_pid: int | None = None
) -> dict:
    """Sign in, visit every page once (cold), then `rounds` more times (warm); drill down and change the year."""
    session, first = await sign_in(browser, base, user, server_pid)
    out: dict = {"first_page": first, "pages": {}}
    visits: dict[str, dict[str, list]] = {name: {"cold": [], "warm": []} for name, _ in pages}
    order = pages[1:] + pages[:1]  # the first page is shown after sign-in: its cold visit is the next click on it
    failures: list[str] = []
    tabbed: dict[str, list[str]] = {}  # page → its tabs' labels
    for r in range(rounds + 1):
        for name, title in order:
            visits[name]["cold" if r == 0 else "warm"] += await session.attempt(
                lambda t=title: session.visit(t), failures
            )
            if r == 0 and len(labels := await session.tabs()) > 1:
                tabbed[name] = labels
    tab_clicks: dict[str, list] = {}  # "页面 › 标签页" → warm clicks on that tab (away from the first and back)
    for name, labels in tabbed.items():
        await session.attempt(lambda n=name: session.visit(TITLES[n]), failures)
        for _ in range(rounds):
            for label in labels[1:] + labels[:1]:
                tab_clicks.setdefault(f"{TITLES[name]} › {label}", []).extend(
                    await session.attempt(lambda x=label: session.open_tab(x), failures)
                )
    drills, ups, years = [], [], []
    for _ in range(max(1, rounds // 2)):
        await session.attempt(lambda: session.visit(TITLES["overview"]), failures)
        drills += await session.attempt(session.drill, failures)
        ups += await session.attempt(session.up, failures)
    for name in ("overview", "partners", "compare"):
        if name in dict(pages):
            await session.attempt(lambda n=name: session.visit(TITLES[n]), failures)
            for _ in range(max(1, rounds // 2)):
                years += await session.attempt(session.change_year, failures)
    out["failures"] = failures
    for name, v in visits.items():
        cold = v["cold"][0] if v["cold"] else {"ms": None, "bytes": 0, "charts": 0}
        out["pages"][name] = {"cold_ms": cold["ms"], "cold_bytes": cold["bytes"],
                              "cold_server_cpu_ms": cold.get("server_cpu_ms"), "charts": cold["charts"], **summary(v["warm"]),
                              "errors": sum(s["errors"] for s in v["cold"] + v["warm"])}  # fmt: skip
    out["drill_down"], out["drill_up"], out["year_change"] = summary(drills), summary(ups), summary(years)
    out["tabs"] = {where: summary(clicks) for where, clicks in tab_clicks.items()}
    warm = [s for v in visits.values() for s in v["warm"]]
    out["warm"] = summary(warm)
    out["cold"] = summary([s for v in visits.values() for s in v["cold"]])
    await session.context.close()
    return out


async def crowd(base: str, n: int, clicks: int = 6, think_s: tuple[float, float] = (1.0, 4.0),
                browser=None, server_pid: int | None = None) -> dict:  # fmt: skip
    """`n` sessions at once against `base` (a dashboard or a front end before several), each signing in, then
    `clicks` sidebar clicks with think time between; the ministry, province and city users in turn, every one
    opening 填报进度 on its way (the deadline-day crowd). p50/p95 click → painted, errors and dropped sessions."""
    own = browser is None
    if own:
        from playwright.async_api import async_playwright

        pw = await async_playwright().start()
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    samples, firsts, failures, dropped = [], [], [], 0
    route = ["progress", "overview", "partners", "compare", "funding", "quality", "exchange", "projects"]

    async def one(i: int) -> None:
        nonlocal dropped
        rng = random.Random(i)
        user = CROWD_USERS[i % len(CROWD_USERS)]
        await asyncio.sleep(rng.uniform(0, think_s[1]))  # they do not all arrive in the same millisecond
        try:
            session, first = await sign_in(browser, base, user)
            firsts.append(first)
            start = rng.randrange(len(route))
            for k in range(clicks):
                await asyncio.sleep(rng.uniform(*think_s))
                name = route[(start + k) % len(route)] if k else "progress"
                s = await session.visit(TITLES[name])
                samples.append(s)
                if s["errors"]:
                    failures.append(f"{user} {name}: 页面显示错误")
            dropped += session.wire.closed > 0
            await session.context.close()
        except Exception as e:  # a session that timed out or lost its page counts, and the others go on
            failures.append(f"{user}: {type(e).__name__}: {str(e)[:200]}")

    t, cpu = time.perf_counter(), cpu_ms(server_pid)
    await asyncio.gather(*(one(i) for i in range(n)))
    seconds = time.perf_counter() - t
    if own:
        await browser.close()
        await pw.stop()
    return {"sessions": n, "clicks": len(samples), **summary(samples), "first_page_p95_ms": pct([f["ms"] for f in firsts], 95),
            "errors": len(failures), "failures": failures[:10], "dropped_sessions": dropped,
            "seconds": round(seconds, 1),
            "server_cpu_s": round((cpu_ms(server_pid)["server_cpu_ms"] - cpu["server_cpu_ms"]) / 1000, 1) if cpu else None}  # fmt: skip


@contextlib.contextmanager
def dashboard(wh: Path, store: Path, port: int, log: Path, root: Path = ROOT):
    """`python -m ui.server` of the code in `root` on `wh` with the users of `store` on 127.0.0.1:`port`; yields
    (address, process). Another `root` (an export of an earlier commit) measures the code before a change."""
    env = {**os.environ, "ISTC_WAREHOUSE": str(wh), "ISTC_AUTH": "local", "ISTC_USERS": str(store)}
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "ui.server", "--server.port", str(port), "--server.headless",
                                 "true", "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"], cwd=root, env=env,
                                stdout=subprocess.DEVNULL, stderr=err)  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            if not came_up(base):
                raise SystemExit(f"看板没有启动：{log.read_text(errors='replace')[-2000:]}")
            yield base, proc
        finally:
            proc.terminate()
            proc.wait(timeout=30)


async def measure(base: str, *, smoke: bool, rounds: int, levels: list[int], server_pid: int | None = None) -> dict:
    """Both users alone, then each browser crowd level (`levels`), against the dashboard at `base`."""
    from playwright.async_api import async_playwright

    pages = [p for p in PAGES if p[0] in ("overview", "partners", "projects")] if smoke else PAGES  # projects: tabs
    out: dict = {"pages": [n for n, _ in pages], "rounds": rounds, "quiet_ms": QUIET_MS}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        out["users"] = {
            scope: await one_user(browser, base, user, pages, rounds, server_pid) for scope, user in USERS.items()
        }
        out["crowd"] = {}
        for n in levels:
            out["crowd"][str(n)] = await crowd(base, n, clicks=2 if smoke else 6,
                                               think_s=(0.2, 0.5) if smoke else (1.0, 4.0), browser=browser,
                                               server_pid=server_pid)  # fmt: skip
        await browser.close()
    return out


def verdicts(out: dict) -> dict:
    """Each target of the issue: measured value and whether it is met."""
    v = {}
    for scope, target in TARGETS["warm_p95_ms"].items():
        user = out["users"][scope]
        clicks = [*user["pages"].values(), *user.get("tabs", {}).values()]  # a tab's click is a click on its page
        worst = max((p["p95_ms"] for p in clicks if p["p95_ms"] is not None), default=None)
        v[f"warm_p95_ms_{scope}"] = {
            "value": worst,
            "target": f"<= {target}",
            "met": worst is not None and worst <= target,
        }
    first = max(u["first_page"]["ms"] for u in out["users"].values())
    v["first_page_ms"] = {
        "value": first,
        "target": f"<= {TARGETS['first_page_ms']}",
        "met": first <= TARGETS["first_page_ms"],
    }
    crowds = out.get("protocol") or out["crowd"]  # the protocol client's levels when measured (bench/protocol.py)
    if "16" in crowds:
        p95 = crowds["16"]["p95_ms"]
        v["crowd_16_p95_ms"] = {"value": p95, "target": "<= 2000", "met": p95 is not None and p95 <= 2000}
    if "32" in crowds:
        c = crowds["32"]
        v["crowd_32_errors"] = {"value": c["errors"] + c["dropped_sessions"], "target": "== 0",
                                "met": c["errors"] + c["dropped_sessions"] == 0}  # fmt: skip
    return v


def bench_browser(wh: Path, store: Path, results: dict, *, smoke: bool, port: int = 0, log: Path | None = None,
                  rounds: int = 5, levels: list[int] | None = None, base: str | None = None,
                  root: Path = ROOT, browser_levels: list[int] | None = None) -> dict:  # fmt: skip
    """Measure against a dashboard started here on `wh` (or the one at `base`); results go under "browser".

    `browser_levels`: crowds of Chromium contexts (end to end, small); `levels`: crowds of protocol-client tabs."""
    import protocol

    if not Path(CHROMIUM).exists():
        raise SystemExit("缺少 Chromium：请先运行 scripts/system-deps.sh（或 apt-get install -y chromium）")
    users.ensure_demo_users(store)
    levels = ([2] if smoke else [8, 16, 32]) if levels is None else levels
    browser_levels = ([2] if smoke else [4]) if browser_levels is None else browser_levels
    rounds = 1 if smoke else rounds
    clicks, think = (2, (0.2, 0.5)) if smoke else (8, (1.0, 4.0))

    def crowds(url: str, pids: list[int] | None) -> dict:  # after the browser has closed: the cores are the server's
        return protocol.levels_against(url, levels, clicks=clicks, think_s=think, server_pids=pids) if levels else {}

    if base:
        out = asyncio.run(measure(base, smoke=smoke, rounds=rounds, levels=browser_levels))
        out["protocol"] = crowds(base, None)
    else:
        if not port:
            import socket

            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
        with dashboard(wh, store, port, log or store.parent / "browser_server.log", root) as (url, proc):
            out = asyncio.run(measure(url, smoke=smoke, rounds=rounds, levels=browser_levels, server_pid=proc.pid))
            out["protocol"] = crowds(url, [proc.pid])
    out["targets"] = verdicts(out)
    results["browser"] = out
    return out


def report(out: dict) -> None:
    """The measurements as a table (Chinese, as the bench prints)."""
    for scope, u in out["users"].items():
        f = u["first_page"]
        print(f"\n{scope}（{USERS[scope]}）：登录后首页 {f['ms']} ms（{f['bytes']:,} 字节）；"
              f"冷 p95 {u['cold']['p95_ms']} ms，热 p50/p95 {u['warm']['p50_ms']}/{u['warm']['p95_ms']} ms；"
              f"下钻 p95 {u['drill_down']['p95_ms']} ms，返回 p95 {u['drill_up']['p95_ms']} ms，"
              f"换年度 p95 {u['year_change']['p95_ms']} ms")  # fmt: skip
        print(f"  {'页面':<10}{'冷 ms':>8}{'热 p50':>8}{'热 p95':>8}{'冷 字节':>12}{'热 字节':>11}"
              f"{'服务器CPU ms':>12}{'浏览器CPU ms':>12}{'图':>4}{'错':>4}")  # fmt: skip
        for name, p in u["pages"].items():
            print(f"  {TITLES[name]:<10}{p['cold_ms']!s:>8}{p['p50_ms']!s:>8}{p['p95_ms']!s:>8}{p['cold_bytes']:>12,}"
                  f"{p['bytes_median'] or 0:>11,}{p.get('server_cpu_ms_median', '')!s:>12}"
                  f"{p.get('browser_cpu_ms_median', '')!s:>12}{p['charts']:>4}{p['errors']:>4}")  # fmt: skip
        for where, t in u.get("tabs", {}).items():
            print(
                f"  标签页 {where}：热 p50/p95 {t['p50_ms']}/{t['p95_ms']} ms，浏览器CPU {t.get('browser_cpu_ms_median')} ms"
            )
        for f in u.get("failures", []):
            print(f"  未测成：{f}")
    for n, c in out["crowd"].items():
        print(f"\n{n} 个浏览器会话同时：{c['clicks']} 次点击 p50/p95 {c['p50_ms']}/{c['p95_ms']} ms（最慢 {c['max_ms']}），"
              f"登录后首页 p95 {c['first_page_p95_ms']} ms；错误 {c['errors']}，掉线 {c['dropped_sessions']}；{c['seconds']} 秒")  # fmt: skip
        for f in c["failures"]:
            print(f"  {f}")
    if out.get("protocol"):
        print("\n协议客户端（bench/protocol.py：真实登录表单和侧栏点击，计到 script_finished，不含绘制）：")
        import protocol

        protocol.report("", out["protocol"])
    print()
    for key, v in out["targets"].items():
        print(f"{key:<22}{v['value']!s:>10}{v['target']:>10}  {'达标' if v['met'] else '未达标'}")


def main() -> None:
    ap = argparse.ArgumentParser(description="浏览器中的点击到绘制完成时间，单用户与多用户并发")
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--users", type=Path, required=True, help="用户文件（缺少演示用户时补上）")
    ap.add_argument("--port", type=int, default=0, help="在此端口启动看板（默认任选空闲端口）")
    ap.add_argument("--base", default=None, help="不启动看板，测量已在运行的地址（如 nginx 前端）")
    ap.add_argument("--rounds", type=int, default=5, help="每页热访问次数")
    ap.add_argument("--sessions", default="8,16,32", help="协议客户端的并发会话数，逗号分隔；0 = 不测")
    ap.add_argument("--browser-sessions", default="4", help="Chromium 浏览器上下文的并发会话数，逗号分隔；0 = 不测")
    ap.add_argument("--root", type=Path, default=ROOT, help="运行此目录中的看板代码（如早先提交的导出，用于前后对比）")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    levels = [int(x) for x in args.sessions.split(",") if int(x) > 0]
    browser_levels = [int(x) for x in args.browser_sessions.split(",") if int(x) > 0]
    results: dict = {}
    out = bench_browser(args.warehouse, args.users, results, smoke=args.smoke, port=args.port, rounds=args.rounds,
                        levels=levels, base=args.base, root=args.root, browser_levels=browser_levels)  # fmt: skip
    report(out)
    if args.out:
        args.out.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
