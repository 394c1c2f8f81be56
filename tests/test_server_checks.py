"""The dashboard refuses to start with unsafe production settings."""

from __future__ import annotations

from ui.server import check


def test_shipped_configuration_passes():
    assert check([], {}) == []


def test_unsafe_settings_are_refused(tmp_path):
    assert any("127.0.0.1" in p for p in check(["--server.address", "0.0.0.0"], {"ISTC_AUTH": "none"}))
    assert any("反向代理" in p for p in check(["--server.address", "10.0.0.5"], {"ISTC_AUTH": "header"}))
    assert check(["--server.address", "10.0.0.5"], {"ISTC_AUTH": "local"}) == []
    assert any("无效" in p for p in check([], {"ISTC_AUTH": "open"}))
    loose = tmp_path / "config.toml"
    loose.write_text('[server]\nenableXsrfProtection = false\n[client]\nshowErrorDetails = "full"\n')
    problems = check([], {}, loose)
    assert len(problems) == 3  # XSRF, error details, no explicit address
