"""Start the dashboard (`python -m ui.server [streamlit options]`): `streamlit run asgi.py`, checked and deep-link safe.

Before starting, the production settings are checked (XSRF on, error details hidden, an explicit bind
address, a known sign-in mode, no unauthenticated mode on a network address); a failed check stops the
start with the reason in Chinese.

Pages are listed explicitly with st.navigation. Streamlit still has a legacy mode that runs a file of
`pages/` directly when the first request after a server start is a deep link (a bookmarked
`/partners?scope=…`), before app.py has called st.navigation once; that request would then miss the
shared filters and the sign-in. The flag below switches the legacy mode off for this server process
(checked by the browser test, which opens a deep link first).
"""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import click
from streamlit import config as st_config
from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import bootstrap, cli

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"


def resolved(args: list[str], env: dict[str, str], names: tuple[str, ...], app: Path = APP) -> dict[str, Any]:
    """The values of Streamlit options `names` that `streamlit run <app> <args>` will run with under `env`.

    Resolved by Streamlit itself, from every source in its order: ~/.streamlit/config.toml, ./.streamlit/config.toml,
    the app folder's .streamlit/config.toml, STREAMLIT_* environment variables, then command-line flags (the last of
    a repeated flag). Reading argv or one config file by hand missed `STREAMLIT_SERVER_ADDRESS=0.0.0.0` and
    `--server.address 127.0.0.1 --server.address 0.0.0.0` (issue 25). Raises click.ClickException for bad flags.
    """
    saved = (st_config._config_options, st_config._main_script_path)
    try:
        with mock.patch.dict(os.environ, env, clear=True):
            with cli.main_run.make_context("run", [str(app), *args]) as ctx:  # the flags as `streamlit run` parses them
                flags = {k: v for k, v in ctx.params.items() if k not in ("target", "args")}
            st_config._main_script_path = str(app)
            bootstrap.load_config_options(flags)
            return {name: st_config.get_option(name) for name in names}
    finally:
        st_config._config_options, st_config._main_script_path = saved


def _loopback(address: object) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(address)).is_loopback
    except ValueError:
        return False


def check(args: list[str], env: dict[str, str], app: Path = APP) -> list[str]:
    """Reasons this configuration must not start (empty when it may), judged on the options Streamlit resolves."""
    names = ("server.enableXsrfProtection", "client.showErrorDetails", "server.address")
    try:
        options = resolved(args, env, names, app)
    except (click.ClickException, SystemExit) as exc:  # SystemExit: a secret option given as a flag
        message = exc.format_message() if isinstance(exc, click.ClickException) else exc.code
        return [f"启动参数无效：{message}"]
    problems = []
    if options["server.enableXsrfProtection"] is not True:
        problems.append("server.enableXsrfProtection 必须开启")
    if options["client.showErrorDetails"] != "none":
        problems.append('client.showErrorDetails 必须为 "none"（错误详情会泄露路径）')
    address = options["server.address"]
    if not address:
        problems.append("必须明确设置 server.address（监听地址）")
    mode = env.get("ISTC_AUTH", "local").strip().lower()
    if mode not in ("local", "header", "none"):
        problems.append(f"ISTC_AUTH={mode} 无效，应为 local、header 或 none")
    if mode == "none" and not _loopback(address):
        problems.append(f"ISTC_AUTH=none（不登录）只能在本机地址 127.0.0.1 上运行（现为 {address}）")
    if mode == "header" and not _loopback(address) and env.get("ISTC_TRUSTED_PROXY") != "1":
        problems.append(
            f"ISTC_AUTH=header 时看板只应由本机的反向代理访问：监听 127.0.0.1（现为 {address}），"
            "或确认网络隔离后设置 ISTC_TRUSTED_PROXY=1"
        )
    return problems


def settle_memory() -> None:
    """Load what pages share (plotly's validators, the province boundaries), then `gc.freeze` it all.

    The first visitor of a map page no longer pays for loading boundaries and validators (地区对比
    uncached, benchmark page probe: ~690 → ~295 ms), and full garbage collections no longer walk these
    long-lived objects. Objects made later are collected as before.
    """
    import gc

    import plotly.graph_objects as go

    from present import charts

    for trace in (go.Bar(), go.Scatter(), go.Choropleth(), go.Scattergeo()):  # plotly loads validators lazily
        go.Figure(trace).to_dict()
    charts.geojson("china_provinces_simplified")
    gc.collect()
    gc.freeze()


LAUNCHER = ROOT / "asgi.py"  # app.py inside Streamlit's st.App, plus the session-cookie route


def main() -> None:
    """Check the settings, then run Streamlit on asgi.py (app.py plus the session-cookie route), options passed on."""
    extra = sys.argv[1:]
    problems = check(extra, dict(os.environ))
    if problems:
        print("看板未启动，配置不安全：\n  - " + "\n  - ".join(problems), file=sys.stderr)
        sys.exit(2)
    mode = os.environ.get("ISTC_AUTH", "local")
    print(f"登录方式：{mode}；用户文件：{os.environ.get('ISTC_USERS', 'data/users/users.json')}", file=sys.stderr)
    PagesManager.uses_pages_directory = False
    settle_memory()
    from present import charts

    try:  # maps then send the name of a boundary file, fetched once by the browser, not the shapes on every rerun
        charts.publish_boundaries()
    except OSError as e:  # a read-only install still works: the shapes go inside each map as before
        print(f"地图边界未写入 static/geo（{e}），地图将随每次刷新发送边界", file=sys.stderr)
    from ui import guide

    try:  # the guide's screenshots as files the browser fetches once, not images re-encoded on every visit
        guide.publish_images()
    except OSError as e:
        print(f"使用说明的截图未写入 static/guide（{e}），每次打开使用说明时由看板进程发送截图", file=sys.stderr)
    sys.argv = ["streamlit", "run", str(LAUNCHER), *extra]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
