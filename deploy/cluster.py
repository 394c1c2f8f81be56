"""N dashboard processes (`python -m ui.server`) behind nginx, started and stopped together.

One Streamlit process runs Python on one core; more users need more processes. `make cluster` (`python -m
deploy.cluster run`) starts them with nginx in the foreground on a local port until Ctrl-C. nginx runs with `-p` and
`-c` on a temporary prefix and a nginx.conf generated there around the site file deploy/nginx/istc.conf: nothing
under /etc changes and no service starts. `python -m deploy.cluster site` prints the site file filled in for
/etc/nginx/sites-available/ (README「部署：多个看板进程」). The browser test and the bench start the same cluster
with `cluster()`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "istc.conf"
NGINX_MISSING = (
    "缺少 nginx：请以 root 运行 `make cluster`（经 scripts/system-deps.sh 安装），"
    "或 apt-get install -y --no-install-recommends nginx"
)
# The main config of the local run: foreground, every file inside the prefix, the site file included as is.
# The access log names the backend of each request ($upstream_addr) and the browser's node cookie: the test
# and an operator read from it which process served whom.
MAIN_CONF = """daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log notice;
events {{ worker_connections 1024; }}
http {{
    log_format istc escape=json '{{"request":"$request","status":$status,"upstream":"$upstream_addr",'
                                '"node":"$istc_node","cookie":"$cookie_istc_node"}}';
    access_log {prefix}/access.log istc;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include {prefix}/istc.conf;
}}
"""


class ClusterError(RuntimeError):
    """The cluster could not start (message in Chinese)."""


def site(listen: str, ports: Sequence[int]) -> str:
    """The nginx site file for dashboard processes on 127.0.0.1:`ports`, nginx listening on `listen`."""
    servers = "\n".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in ports)
    return SITE.read_text(encoding="utf-8").replace("{{LISTEN}}", listen).replace("{{SERVERS}}", servers)


def nginx_binary() -> str:
    """Debian's nginx, or ClusterError saying how to install it."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if found is None:
        raise ClusterError(NGINX_MISSING)
    return found


def _healthy(url: str, procs: Sequence[subprocess.Popen], seconds: float = 60) -> bool:
    """Wait until `url` answers its health check; False when it does not in time or a process has exited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            return False
        with contextlib.suppress(OSError):
            if urllib.request.urlopen(url, timeout=1).read() == b"ok":
                return True
        time.sleep(0.3)
    return False


@dataclass
class Cluster:
    """A running cluster: nginx at `base`, the dashboard processes at `backends` (what nginx's log calls them)."""

    base: str
    backends: list[str]
    prefix: Path
    processes: list[subprocess.Popen]  # the dashboard processes, then nginx

    def access(self) -> list[dict]:
        """nginx's access log so far (a websocket's line is written when it closes)."""
        log = self.prefix / "access.log"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def nodes(self) -> dict[str, str]:
        """For each process, an istc_node cookie value that nginx sends to it (the hash decides; the log tells).

        A browser holding that cookie is served by that process: the test and the bench use it to reach each one.
        """
        found: dict[str, str] = {}
        for i in range(64):
            request = urllib.request.Request(f"{self.base}/_stcore/health", headers={"Cookie": f"istc_node=probe{i}"})
            urllib.request.urlopen(request, timeout=10).read()
            found = {e["upstream"]: e["cookie"] for e in reversed(self.access()) if e["cookie"].startswith("probe")}
            if set(found) == set(self.backends):
                return found
        raise ClusterError(f"64 个 istc_node 取值都分到了 {sorted(found)}")

    def log(self, name: str) -> str:
        """A log of the prefix: error.log (nginx) or ui-<port>.log (a dashboard process's stderr)."""
        path = self.prefix / name
        return path.read_text(errors="replace") if path.exists() else ""


def _stop(procs: Sequence[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def cluster(
    warehouse: Path,
    store: Path,
    *,
    port: int,
    backend_ports: Sequence[int],
    prefix: Path | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[Cluster]:
    """Start one dashboard process per port of `backend_ports` on `warehouse` with the users of `store`, and nginx
    on 127.0.0.1:`port` in front (sticky per browser, see the site file); yields the Cluster, stops all on exit.

    The processes share the user store, so the cookie-signing secret beside it (created here, before any of them
    could race to) and the sessions file: a cookie signed by one is honoured by all. Logs stay in `prefix`
    (a temporary folder, removed afterwards, unless given).
    """
    from ui import sessions  # the project's, not the ones of a runner importing this module

    nginx = nginx_binary()
    own_prefix = prefix is None
    prefix = Path(tempfile.mkdtemp(prefix="istc-cluster-")) if prefix is None else prefix
    prefix.mkdir(parents=True, exist_ok=True)
    prefix.chmod(0o755)  # when run as root, nginx's workers (nobody) use its temp folders
    (prefix / "tmp").mkdir(exist_ok=True)
    (prefix / "istc.conf").write_text(site(f"127.0.0.1:{port}", backend_ports), encoding="utf-8")
    (prefix / "nginx.conf").write_text(MAIN_CONF.format(prefix=prefix), encoding="utf-8")
    sessions.secret(store.resolve())
    child_env = {**os.environ, **(env or {}), "ISTC_WAREHOUSE": str(warehouse.resolve()),
                 "ISTC_USERS": str(store.resolve())}  # fmt: skip
    procs: list[subprocess.Popen] = []
    try:
        for p in backend_ports:
            with open(prefix / f"ui-{p}.log", "wb") as err:
                procs.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "ui.server",
                            "--server.port",
                            str(p),
                            "--server.address",
                            "127.0.0.1",
                            "--server.headless",
                            "true",
                        ],
                        cwd=ROOT,
                        env=child_env,
                        stdout=subprocess.DEVNULL,
                        stderr=err,
                        start_new_session=True,
                    )
                )  # fmt: skip  (Ctrl-C reaches this script only; it stops them in order)
        test = subprocess.run([nginx, "-t", "-q", "-p", str(prefix), "-e", str(prefix / "error.log"), "-c",
                               str(prefix / "nginx.conf")], capture_output=True, text=True)  # fmt: skip
        if test.returncode != 0:
            raise ClusterError(f"nginx 配置有误：{test.stderr.strip()}")
        procs.append(subprocess.Popen([nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c",
                                       str(prefix / "nginx.conf")], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True))  # fmt: skip
        backends = [f"http://127.0.0.1:{p}" for p in backend_ports]
        for base, p in zip(backends, backend_ports, strict=True):
            if not _healthy(f"{base}/_stcore/health", procs):
                raise ClusterError(f"看板进程（端口 {p}）没有启动：{(prefix / f'ui-{p}.log').read_text()[-2000:]}")
        base = f"http://127.0.0.1:{port}"
        if not _healthy(f"{base}/_stcore/health", procs, seconds=15):
            raise ClusterError(f"nginx（端口 {port}）没有启动：{(prefix / 'error.log').read_text()[-2000:]}")
        yield Cluster(base, [b.removeprefix("http://") for b in backends], prefix, procs)
    finally:
        _stop(procs[-1:] + procs[:-1])  # nginx first: no request reaches a stopping process
        if own_prefix:
            shutil.rmtree(prefix, ignore_errors=True)


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: Sequence[str] | None = None) -> int:
    """`run`: the cluster in the foreground until Ctrl-C; `site`: print the filled-in site file."""
    parser = argparse.ArgumentParser(prog="python -m deploy.cluster", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="前台运行：N 个看板进程 + nginx，Ctrl-C 全部停止")
    run.add_argument("--warehouse", type=Path, default=Path(os.environ.get("ISTC_WAREHOUSE", "data/demo/warehouse")))
    run.add_argument("--users", type=Path, default=Path(os.environ.get("ISTC_USERS", "data/users/users.json")))
    run.add_argument("--port", type=int, default=8501, help="nginx 监听的本机端口；看板进程用其后的端口")
    run.add_argument("--processes", type=int, default=2)
    out = sub.add_parser("site", help="打印填好的 nginx 站点文件（放到 /etc/nginx/sites-available/）")
    out.add_argument("--listen", default="80")
    out.add_argument("--ports", default="8501,8502", help="看板进程的端口，逗号分隔")
    args = parser.parse_args(argv)
    if args.command == "site":
        print(site(args.listen, [int(p) for p in args.ports.split(",")]), end="")
        return 0
    # Ctrl-C, a closed terminal or a service manager's stop: all stop the same way. SIGINT is set explicitly since a
    # shell that starts a command in the background hands it SIGINT ignored.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupted)
    ports = [args.port + 1 + i for i in range(args.processes)]
    try:
        with cluster(args.warehouse, args.users, port=args.port, backend_ports=ports) as running:
            print(f"看板（{args.processes} 个进程：{'、'.join(running.backends)}，经 nginx）：{running.base}\n"
                  f"日志：{running.prefix}（access.log、error.log、ui-<端口>.log）。按 Ctrl-C 全部停止。",
                  file=sys.stderr)  # fmt: skip
            while (dead := [p for p in running.processes if p.poll() is not None]) == []:
                time.sleep(1)
            print(f"进程 {dead[0].args[0]}…（pid {dead[0].pid}）已退出，全部停止。", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\n已停止。", file=sys.stderr)
        return 0
    except ClusterError as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
