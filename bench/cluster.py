"""Dashboard processes behind nginx for benchmarks: a base URL to run a bench against, and a small check of its own.

`served(warehouse, processes)` is the hook for a concurrency bench written as a function of a base URL: it starts
`processes` dashboard processes behind nginx (deploy/cluster.py, the same cluster as `make cluster`) and yields
nginx's address. `python bench/cluster.py --warehouse WH` runs a small concurrency check: C sessions (websocket
clients speaking Streamlit's protocol, no browser: the 2 cores are for the servers) each rerun 总览 R times, through
1 process and then through 2, and prints reruns per second and latencies. Not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import pct  # noqa: E402  (the project root is on the path from here)
from deploy.cluster import Cluster, cluster  # noqa: E402  (the project root is on the path from here)

QUERIES = ["scope=CN&year=2020", "scope=CN&year=2019", "scope=P13&year=2020", "scope=P44&year=2020"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running(warehouse: Path, processes: int = 2, *, auth: str = "none") -> Iterator[Cluster]:
    """`processes` dashboard processes on `warehouse` behind nginx on free local ports; yields the Cluster.

    ISTC_AUTH=none (national scope, no sign-in) by default, as the single-process bench measures pages; the user
    store is a temporary one.
    """
    with tempfile.TemporaryDirectory(prefix="istc-bench-cluster-") as tmp:
        ports = [_free_port() for _ in range(processes)]
        with cluster(warehouse, Path(tmp) / "users.json", port=_free_port(), backend_ports=ports,
                     env={"ISTC_AUTH": auth}) as c:  # fmt: skip
            yield c


@contextlib.contextmanager
def served(warehouse: Path, processes: int = 2, *, auth: str = "none") -> Iterator[str]:
    """The hook for a concurrency bench: nginx's base URL (http://127.0.0.1:<port>) in front of `processes`
    dashboard processes on `warehouse`, for as long as the `with` lasts. One process behind nginx is the fair
    baseline for two (the same proxy in the path)."""
    with running(warehouse, processes, auth=auth) as c:
        yield c.base


def session_reruns(base: str, runs: int, node: str) -> list[float]:
    """One session as a browser holds it: Streamlit's websocket through nginx (its node cookie picks the process),
    rerunning the app's default page (总览) `runs` times over QUERIES; seconds from request to script_finished."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    url = base.replace("http://", "ws://", 1) + "/_stcore/stream"
    took = []
    with connect(url, subprotocols=["streamlit"], additional_headers={"Cookie": f"istc_node={node}"},
                 max_size=None, open_timeout=60) as ws:  # fmt: skip
        for i in range(runs):
            msg = BackMsg()
            msg.rerun_script.query_string = QUERIES[i % len(QUERIES)]
            t = time.perf_counter()
            ws.send(msg.SerializeToString())
            while True:
                fwd = ForwardMsg()
                fwd.ParseFromString(ws.recv(timeout=300))
                if fwd.WhichOneof("type") == "script_finished":
                    break
            took.append(time.perf_counter() - t)
    return took


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def concurrency(c: Cluster, sessions: int, runs: int) -> dict:
    """`sessions` sessions at once, each rerunning `runs` times: reruns per second over the whole, latency p50/p95,
    the dashboard processes' CPU per rerun and how many cores they kept busy (1.0 at most for one process: the
    limit this is about), and how many sessions each process served. Sessions are dealt to the processes in turn (as many random node
    cookies come out on average); each process first runs every query once, uncounted, so all start warm."""
    nodes = list(c.nodes().values())
    for node in nodes:
        session_reruns(c.base, len(QUERIES), node)
    dealt = [nodes[i % len(nodes)] for i in range(sessions)]
    results: dict[int, list[float]] = {}
    threads = [threading.Thread(target=lambda i=i, n=n: results.__setitem__(i, session_reruns(c.base, runs, n)))
               for i, n in enumerate(dealt)]  # fmt: skip
    servers = [p.pid for p in c.processes[:-1]]  # the dashboard processes (nginx is last)
    cpu, t = sum(map(_cpu_s, servers)), time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall, cpu = time.perf_counter() - t, sum(map(_cpu_s, servers)) - cpu
    times = [x for i in range(sessions) for x in results[i]]
    streams = [e for e in c.access() if e["request"].startswith("GET /_stcore/stream ")]  # written at close
    per_process = {b: sum(e["upstream"] == b for e in streams[-sessions:]) for b in c.backends}
    return {"reruns": len(times), "wall_s": round(wall, 2), "reruns_per_s": round(len(times) / wall, 2),
            "p50_ms": round(pct(times, 50) * 1000), "p95_ms": round(pct(times, 95) * 1000),
            "server_cpu_ms_per_rerun": round(cpu / len(times) * 1000), "server_cores_busy": round(cpu / wall, 2),
            "load_average_1min": os.getloadavg()[0], "sessions_per_process": per_process}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    report = {}
    for processes in (1, 2):
        with running(args.warehouse, processes) as c:
            report[f"{processes}_process"] = concurrency(c, args.sessions, args.runs)
        print(processes, report[f"{processes}_process"], file=sys.stderr)
    report["gain_x"] = round(report["2_process"]["reruns_per_s"] / report["1_process"]["reruns_per_s"], 2)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
