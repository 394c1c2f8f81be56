"""The dashboard refuses to start with unsafe production settings, judged on what Streamlit will actually use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ui.server import check

ROOT = Path(__file__).resolve().parents[1]
HEADER = {"ISTC_AUTH": "header"}
PROXY = "反向代理"


def test_shipped_configuration_passes():
    assert check([], {}) == []


def test_unsafe_settings_are_refused(tmp_path):
    assert any("127.0.0.1" in p for p in check(["--server.address", "0.0.0.0"], {"ISTC_AUTH": "none"}))
    assert any(PROXY in p for p in check(["--server.address", "10.0.0.5"], HEADER))
    assert check(["--server.address", "10.0.0.5"], {"ISTC_AUTH": "local"}) == []
    assert any("无效" in p for p in check([], {"ISTC_AUTH": "open"}))


def test_the_app_folders_config_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./.streamlit/config.toml of the project either
    app = tmp_path / "app.py"
    app.write_text("")
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "config.toml").write_text(
        '[server]\nenableXsrfProtection = false\n[client]\nshowErrorDetails = "full"\n'
    )
    problems = check([], {}, app)
    assert len(problems) == 3, problems  # XSRF, error details, no explicit address


@pytest.mark.parametrize(
    "args, env",
    [
        ([], {"STREAMLIT_SERVER_ADDRESS": "0.0.0.0"}),  # the environment overrides config.toml
        (["--server.address", "127.0.0.1", "--server.address", "0.0.0.0"], {}),  # the last flag wins
        (["--server.address=127.0.0.1", "--server.address=0.0.0.0"], {}),
        (["--server.address=0.0.0.0"], {}),
        (["--server.address", "0.0.0.0"], {"STREAMLIT_SERVER_ADDRESS": "127.0.0.1"}),  # a flag beats the environment
    ],
)
def test_header_mode_on_a_network_address_is_refused_however_it_is_set(args, env):
    problems = check(args, {**HEADER, **env})
    assert any(PROXY in p and "0.0.0.0" in p for p in problems), problems


def test_header_mode_on_loopback_passes_whichever_source_sets_it():
    assert check([], {**HEADER, "STREAMLIT_SERVER_ADDRESS": "127.0.0.1"}) == []
    assert check(["--server.address", "0.0.0.0", "--server.address", "::1"], HEADER) == []
    assert check([], {**HEADER, "STREAMLIT_SERVER_ADDRESS": "localhost"}) == []


def test_a_users_global_config_does_not_open_the_shipped_address(tmp_path):
    """~/.streamlit/config.toml and ./.streamlit/config.toml come before the app folder's, as in Streamlit."""
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "config.toml").write_text('[server]\naddress = "0.0.0.0"\n')
    assert check([], {**HEADER, "HOME": str(tmp_path)}) == []


def test_unknown_flags_are_refused():
    assert check(["--server.adress", "127.0.0.1"], {})[0].startswith("启动参数无效")


def test_server_does_not_start_on_an_address_from_the_environment(tmp_path):
    """The real entry point: `ISTC_AUTH=header STREAMLIT_SERVER_ADDRESS=0.0.0.0 python -m ui.server` exits at once."""
    env = {**os.environ, **HEADER, "STREAMLIT_SERVER_ADDRESS": "0.0.0.0", "STREAMLIT_SERVER_PORT": "8799",
           "ISTC_USERS": str(tmp_path / "users.json")}  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "ui.server"], cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert done.returncode == 2
    assert "看板未启动" in done.stderr.decode() and "0.0.0.0" in done.stderr.decode()
