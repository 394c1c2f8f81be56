"""Many users at once without a browser: a client speaking Streamlit's websocket protocol, timed click → finished.

`python bench/protocol.py --base http://127.0.0.1:8501 --sessions 8,16,32` against a running dashboard, or
`--warehouse WH --users U --processes 1,2` to start 1, then 2 dashboard processes behind nginx (deploy/cluster.py,
as `make cluster`; one process behind the same nginx is the fair baseline). Each session does what a browser tab
does on the wire and nothing of its drawing, so the two cores are left to the dashboard:

1. GET / (behind nginx this hands out the istc_node cookie that pins the tab to one process; the cookie goes with
   the websocket as a browser's would), then opens /_stcore/stream;
2. signs in through the real form (ISTC_AUTH=local): the first run draws the form, the client reads the ids of the
   两个输入框 and the 登录 button from the elements it was sent and submits them as widget states, exactly the
   message a browser sends on the click; the password is checked, the session started and the first page run;
3. clicks through pages in the sidebar with think time: a page click is a rerun with that page's script hash (from
   the `navigation` message) and the values of the widgets on screen (the sidebar's filters), the message the
   browser sends for a sidebar link. What it does not do: report cached messages (a browser then gets a few
   references instead of repeated elements: fewer bytes, the same server work) or fetch static files.

A click's time is from sending the message until the server's `script_finished` for that run (not one cut short by
st.rerun): the server's work and the websocket, without plotly drawing (bench/browser.py measures that, at small
N). A session counts as dropped when its websocket closes before it is done; an error is a timeout, an exception
box or an error alert in a run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from accounts import users  # noqa: E402
from bench.stats import pct  # noqa: E402
from ui import navigation  # noqa: E402

# The deadline-day crowd: ministry, province and city supervisors (the demo users), in turn.
CROWD = [(name, users.DEMO_USERS[name][1]) for name in ("ministry", "hebei", "shijiazhuang")]
ROUTE = ["progress", "overview", "partners", "compare", "funding", "quality", "exchange", "projects"]
TIMEOUT_S = 120
FINISHED_EARLY = ForwardMsg.FINISHED_EARLY_FOR_RERUN


class Dropped(Exception):
    """The websocket closed under a session that was not done."""


@dataclass
class Run:
    """What one run sent back: bytes, interesting elements, errors shown."""

    ms: float = 0.0
    bytes: int = 0
    widgets: dict[str, tuple[str, str]] = field(default_factory=dict)  # label → (kind, widget id)
    states: dict[str, object] = field(default_factory=dict)  # widget id → its WidgetState, as the page holds it
    charts: int = 0  # plotly figures sent
    errors: list[str] = field(default_factory=list)


class Tab:
    """One browser tab on the wire: a websocket to the dashboard and the pages it was told about."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.cookie = ""
        self.ws = None
        self.pages: dict[str, str] = {}  # page file name (pages/<name>.py) → page script hash
        self.states: dict[str, object] = {}  # the widgets on screen and their values, sent with every rerun
        self.bytes = 0

    async def open(self) -> None:
        """GET / (nginx's node cookie, if any), then the websocket with that cookie."""
        from websockets.asyncio.client import connect

        def get() -> str:
            with urllib.request.urlopen(f"{self.base}/", timeout=TIMEOUT_S) as r:
                r.read()
                return "; ".join(c.split(";", 1)[0] for c in r.headers.get_all("Set-Cookie") or [])

        self.cookie = await asyncio.to_thread(get)
        url = self.base.replace("http://", "ws://", 1) + "/_stcore/stream"
        headers = {"Cookie": self.cookie} if self.cookie else {}
        self.ws = await connect(url, subprotocols=["streamlit"], additional_headers=headers, max_size=None,
                                open_timeout=TIMEOUT_S, ping_interval=None)  # fmt: skip

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def rerun(self, *, page: str | None = None, widgets: list | None = None, query: str = "") -> Run:
        """Send a rerun (a page click, a form submit) and read until its run has finished; the run's harvest."""
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = query
        if page is not None:
            cs.page_script_hash = self.pages[page]
        given = {w.id: w for w in widgets or []}
        for w in [*given.values(), *(w for wid, w in self.states.items() if wid not in given)]:
            cs.widget_states.widgets.append(w)
        run = Run()
        t = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        deadline = t + TIMEOUT_S
        while True:
            try:
                raw = await asyncio.wait_for(self.ws.recv(), timeout=max(0.1, deadline - time.perf_counter()))
            except TimeoutError:
                raise TimeoutError(f"no script_finished in {TIMEOUT_S} s") from None
            except Exception as e:  # websockets' ConnectionClosed*
                raise Dropped(f"{type(e).__name__}: {e}") from e
            run.bytes += len(raw)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "navigation":
                self.pages = {
                    p.url_pathname or navigation.DEFAULT: p.page_script_hash for p in fwd.navigation.app_pages
                }
            elif kind == "delta":
                _harvest(fwd, run, self.states)
            elif kind == "script_finished":
                if fwd.script_finished != FINISHED_EARLY:
                    break
                run.widgets, run.states, run.errors, run.charts = {}, {}, [], 0  # cut short by st.rerun
        run.ms = (time.perf_counter() - t) * 1000
        self.bytes += run.bytes
        self.states = run.states  # the browser drops the states of widgets no longer shown
        return run

    async def sign_in(self, user: str, password: str) -> tuple[Run, Run]:
        """The first run (the form), then the 登录 click with name and password: (form run, first page run)."""
        form = await self.rerun()
        try:
            name, password_id, button = (form.widgets[k][1] for k in ("用户名", "密码", "登录"))
        except KeyError:
            raise RuntimeError(f"登录页上没有表单：{sorted(form.widgets)} {form.errors}") from None
        states = []
        for wid, value in ((name, user), (password_id, password)):
            states.append(_state(wid, string_value=value))
        states.append(_state(button, trigger_value=True))
        first = await self.rerun(widgets=states)
        if "登录" in first.widgets and "用户名" in first.widgets:
            raise RuntimeError(f"{user} 登录未成功：{first.errors}")
        return form, first


def _state(wid: str, **value):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    w = WidgetState(id=wid)
    for k, v in value.items():
        setattr(w, k, v)
    return w


def _harvest(fwd: ForwardMsg, run: Run, held: dict[str, object]) -> None:
    """Widgets the client may need (by label), the values of the widgets shown (which a browser sends back with every
    rerun: the sidebar's filters), and anything shown as an error."""
    delta = fwd.delta
    if delta.WhichOneof("type") != "new_element":
        return
    el = delta.new_element
    kind = el.WhichOneof("type")
    if kind in ("text_input", "button"):
        w = getattr(el, kind)
        run.widgets[w.label] = (kind, w.id)
    w = getattr(el, kind) if kind else None
    wid = getattr(w, "id", None)
    if wid and wid in held and not getattr(w, "set_value", False):  # the page keeps what the user had chosen
        run.states[wid] = held[wid]
    elif (state := _shown_value(kind, el)) is not None:  # a new widget's default, or a value the script set
        run.states[state.id] = state
    elif kind == "plotly_chart":
        run.charts += 1
    elif kind == "exception":
        run.errors.append(f"exception: {el.exception.type}: {el.exception.message[:120]}")
    elif kind == "alert" and el.alert.format == el.alert.ERROR:
        run.errors.append(f"error: {el.alert.body[:120]}")


def _shown_value(kind: str, el):
    """The WidgetState a browser holds for a widget element as drawn (its value, or its default), or None."""
    w = getattr(el, kind) if kind else None
    if kind in ("selectbox", "radio"):  # the shown option's text
        if w.set_value:
            return _state(w.id, string_value=w.raw_value)
        if not w.HasField("default"):  # index=None: nothing chosen (the 下钻到 picker), nothing sent
            return None
        return _state(w.id, string_value=w.options[w.default])
    if kind == "button_group":  # the chosen options' texts
        chosen = list(w.raw_values) if w.set_value else [w.options[i].content for i in w.default]
        state = _state(w.id)
        state.string_array_value.data.extend(chosen)
        return state
    if kind == "number_input":
        value = w.value if w.set_value else w.default
        return _state(w.id, int_value=int(value)) if w.data_type == w.INT else _state(w.id, double_value=value)
    if kind == "checkbox":
        return _state(w.id, bool_value=w.value if w.set_value else w.default)
    return None


def run(coro):
    """asyncio.run(coro), in a thread of its own when this thread already runs an event loop (Playwright's sync API
    in the same process, as in the test suite)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def session(base: str, i: int, clicks: int, think_s: tuple[float, float], out: dict,
                  people: list[tuple[str, str]]) -> None:  # fmt: skip
    """Session `i`: arrive, sign in, `clicks` sidebar clicks with think time (填报进度 first); into `out`."""
    rng = random.Random(i)
    user, password = people[i % len(people)]
    await asyncio.sleep(rng.uniform(0, think_s[1]))  # they do not all arrive in the same millisecond
    tab = Tab(base)
    done = 0
    try:
        await tab.open()
        _, first = await tab.sign_in(user, password)
        out["first"].append(first.ms)
        out["errors"] += [f"{user} 登录：{e}" for e in first.errors]
        start = rng.randrange(len(ROUTE))
        for k in range(clicks):
            await asyncio.sleep(rng.uniform(*think_s))
            name = ROUTE[(start + k) % len(ROUTE)] if k else "progress"
            run = await tab.rerun(page=name)
            out["clicks"].append(run.ms)
            out["bytes"].append(run.bytes)
            out["errors"] += [f"{user} {name}：{e}" for e in run.errors]
            done += 1
    except Dropped as e:
        out["dropped"] += 1
        out["errors"].append(f"{user}：掉线（第 {done + 1} 次点击）{e}")
    except Exception as e:  # a timeout or a failed sign-in: counted, the others go on
        out["errors"].append(f"{user}：{type(e).__name__}: {str(e)[:200]}")
    finally:
        with contextlib.suppress(Exception):
            await tab.close()


def _cpu_s(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def crowd(base: str, n: int, *, clicks: int = 8, think_s: tuple[float, float] = (1.0, 4.0),
          server_pids: list[int] | None = None, people: list[tuple[str, str]] = CROWD) -> dict:  # fmt: skip
    """`n` tabs at once against `base`, signed in as `people` (name, password) in turn; p50/p95 click → finished,
    first page after sign-in, errors, dropped sessions."""
    out: dict = {"clicks": [], "first": [], "bytes": [], "errors": [], "dropped": 0}
    cpu, load, t = _cpu_s(server_pids or []), os.getloadavg()[0], time.perf_counter()

    async def all_of_them() -> None:
        await asyncio.gather(*(session(base, i, clicks, think_s, out, people) for i in range(n)))

    run(all_of_them())
    wall = time.perf_counter() - t
    ms = out["clicks"]
    return {"sessions": n, "clicks": len(ms), "expected_clicks": n * clicks,
            "p50_ms": _r(pct(ms, 50)), "p95_ms": _r(pct(ms, 95)), "max_ms": _r(max(ms, default=None)),
            "first_page_p50_ms": _r(pct(out["first"], 50)), "first_page_p95_ms": _r(pct(out["first"], 95)),
            "bytes_median": pct(out["bytes"], 50), "errors": len(out["errors"]), "failures": out["errors"][:10],
            "dropped_sessions": out["dropped"], "seconds": round(wall, 1),
            "server_cpu_s": round(_cpu_s(server_pids or []) - cpu, 1) if server_pids else None,
            "load_average_1min": [round(load, 2), round(os.getloadavg()[0], 2)]}  # fmt: skip


def _r(x: float | None) -> int | None:
    return None if x is None else round(x)


def levels_against(base: str, levels: list[int], *, clicks: int, think_s: tuple[float, float],
                   server_pids: list[int] | None = None) -> dict:  # fmt: skip
    """Each crowd level in turn (after one warm-up tab, so the first level does not pay the first runs)."""
    crowd(base, 1, clicks=len(ROUTE), think_s=(0.0, 0.0))
    return {str(n): crowd(base, n, clicks=clicks, think_s=think_s, server_pids=server_pids) for n in levels}


def report(label: str, result: dict) -> None:
    """One line a level (Chinese, as the bench prints)."""
    for n, c in result.items():
        print(f"{label} {n:>3} 个会话：{c['clicks']}/{c['expected_clicks']} 次点击 p50/p95 {c['p50_ms']}/{c['p95_ms']} ms"
              f"（最慢 {c['max_ms']}），登录后首页 p50/p95 {c['first_page_p50_ms']}/{c['first_page_p95_ms']} ms；"
              f"错误 {c['errors']}，掉线 {c['dropped_sessions']}；看板 CPU {c['server_cpu_s']} s / {c['seconds']} s；"
              f"负载 {c['load_average_1min']}")  # fmt: skip
        for f in c["failures"]:
            print(f"    {f}")


def main() -> None:
    ap = argparse.ArgumentParser(description="Streamlit 协议客户端：多个会话同时登录、点侧栏，计时到 script_finished")
    ap.add_argument("--base", default=None, help="已在运行的看板或 nginx 前端地址")
    ap.add_argument("--warehouse", type=Path, help="没有 --base 时：在此仓库上启动看板")
    ap.add_argument("--users", type=Path, help="用户文件（缺少演示用户时补上）")
    ap.add_argument("--processes", default="1", help="依次启动的看板进程数，逗号分隔，都在 nginx 后面")
    ap.add_argument("--port", type=int, default=8620, help="nginx 的端口；看板进程用其后的端口")
    ap.add_argument("--sessions", default="8,16,32")
    ap.add_argument("--clicks", type=int, default=8)
    ap.add_argument("--think", default="1,4", help="两次点击之间的思考时间（秒，均匀分布）")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--logs", type=Path, help="保留 nginx 和各看板进程日志的目录（默认用完即删）")
    args = ap.parse_args()
    levels = [int(x) for x in args.sessions.split(",")]
    think = tuple(float(x) for x in args.think.split(","))
    results: dict = {"navigation_pages": navigation.NAMES}
    if args.base:
        results["given"] = levels_against(args.base, levels, clicks=args.clicks, think_s=think)
        report(args.base, results["given"])
    else:
        from deploy.cluster import cluster

        users.ensure_demo_users(args.users)
        for processes in (int(x) for x in args.processes.split(",")):
            ports = [args.port + 1 + k for k in range(processes)]
            logs = args.logs / f"{processes}_process" if args.logs else None  # the processes' logs, kept
            with cluster(args.warehouse, args.users, port=args.port, backend_ports=ports, prefix=logs,
                         env={"ISTC_AUTH": "local"}) as c:  # fmt: skip
                pids = [p.pid for p in c.processes[:-1]]
                results[f"{processes}_process"] = levels_against(c.base, levels, clicks=args.clicks, think_s=think,
                                                                  server_pids=pids)  # fmt: skip
            report(f"{processes} 个进程", results[f"{processes}_process"])
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
