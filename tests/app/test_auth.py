"""Signed-in users see their account's subtree and nothing else, whatever the URL or session says."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from accounts import users
from tests.app.conftest import PAGES, every_view, metric, open_page
from tests.conftest import user_store

ROLES = {"ministry": "CN", "hebei": "HB", "sjz": "SJZ"}
# What each role must never see: names and totals outside its subtree (fixture tree, tests/fixtures/inbox.py).
FORBIDDEN = {
    "sjz": ["保定", "保定丙医院", "保定丁研究所", "63 人次", "河北省"],
    "hebei": ["（注册表中无此账号）"],  # quarantined documents of unknown accounts: national only
}
FORBIDDEN_IDS = {"sjz": ["BD", "U3", "U4", "HB"], "hebei": ["ZZ"]}  # checked outside chart geometry


@pytest.fixture()
def store(tmp_path, monkeypatch):
    path = user_store(tmp_path / "users.json", {**ROLES, "lost": "NO-SUCH-ACCOUNT"})
    monkeypatch.setenv("ISTC_AUTH", "local")
    monkeypatch.setenv("ISTC_USERS", str(path))
    return path


def sign_in(at, name: str, password: str | None = None):
    at.text_input(key="auth_name").set_value(name)
    at.text_input(key="auth_password").set_value(password or f"password-{name}")
    at.button[0].click().run()  # the form's submit button
    return at


def visible_text(at, charts: bool = True) -> str:
    """Everything a user can read on the page: text, metrics, tables, chart data (optional), options."""
    parts = [e.value for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "error", "success")
             for e in getattr(at, kind)]  # fmt: skip
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [df.value.to_string() for df in at.dataframe]
    parts += [c.proto.spec for c in at.get("plotly_chart")] if charts else []
    parts += [" ".join(map(str, s.options)) for s in at.selectbox]
    parts += [b.label for b in at.button]
    return "\n".join(str(p) for p in parts)


def test_sign_in_required_and_wrong_password_refused(fixture_run, store, monkeypatch):
    at = open_page(fixture_run[0], "overview", monkeypatch)
    assert at.get("plotly_chart") == [] and at.metric == []
    assert any(b.label == "登录" for b in at.button)
    sign_in(at, "hebei", "not-the-password")
    assert any("用户名或密码不正确" in e.value for e in at.error)
    assert at.metric == []
    sign_in(at, "hebei")
    assert metric(at, "出访人次") == "63 人次"
    log = [json.loads(x) for x in (store.parent / "audit.log").read_text().splitlines()]
    assert [x["event"] for x in log][-2:] == ["sign_in_failed", "sign_in"]


@pytest.mark.parametrize("page", [p for p in PAGES if p not in ("glossary", "guide")])  # static help texts
@pytest.mark.parametrize("forged", ["BD", "HB", "CN", "U3", "NOPE"])
def test_city_user_never_sees_outside_its_subtree(fixture_run, store, monkeypatch, page, forged):
    at = open_page(fixture_run[0], "overview", monkeypatch, scope=forged, year="2020")
    sign_in(at, "sjz")
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    for view in every_view(at):  # every tab of the page
        assert not view.exception, [e.message for e in view.exception]
        text = visible_text(view)
        for word in FORBIDDEN["sjz"]:
            assert word not in text, f"{word!r} leaked on {page} with scope={forged}"
        words = set(re.findall(r"[A-Za-z0-9_-]+", visible_text(view, charts=False)))
        assert not words & set(FORBIDDEN_IDS["sjz"]), f"account ids leaked on {page}"
        assert view.session_state["scope_id"] in {"SJZ", "U1", "U2"}


@pytest.mark.parametrize("page", ["overview", "quality", "compare", "progress"])
def test_province_user_sees_its_province_but_not_national_rejects(fixture_run, store, monkeypatch, page):
    at = open_page(fixture_run[0], page, monkeypatch, scope="CN", year="2020")
    sign_in(at, "hebei")
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    assert at.session_state["scope_id"] == "HB"
    text = visible_text(at)
    for word in FORBIDDEN["hebei"]:
        assert word not in text
    assert "ZZ" not in set(re.findall(r"[A-Za-z0-9_-]+", visible_text(at, charts=False)))


def test_ministry_sees_everything(fixture_run, store, monkeypatch):
    at = open_page(fixture_run[0], "quality", monkeypatch, scope="CN", year="2020")
    sign_in(at, "ministry")
    at.switch_page("pages/quality.py").run()
    assert "ZZ" in visible_text(at)


def test_unmapped_user_sees_nothing(fixture_run, store, monkeypatch):
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="HB")
    sign_in(at, "lost")
    assert at.metric == [] and at.get("plotly_chart") == []
    assert any("不在当前数据仓库中" in e.value for e in at.error)


def test_cache_never_serves_another_users_result(fixture_run, store, monkeypatch):
    national = open_page(fixture_run[0], "overview", monkeypatch, scope="BD", year="2020")
    sign_in(national, "ministry")
    national.session_state["scope_id"] = "BD"
    national.run()
    assert metric(national, "出访人次") == "8 人次"  # BD's result is now cached
    city = open_page(fixture_run[0], "overview", monkeypatch, scope="BD", year="2020")
    sign_in(city, "sjz")
    city.session_state["scope_id"] = "BD"  # a forged session value
    city.run()
    assert metric(city, "出访人次") == "45 人次"  # its own scope, not the cached BD figure
    assert "保定" not in visible_text(city)


def test_session_expires_after_inactivity(fixture_run, store, monkeypatch):
    monkeypatch.setenv("ISTC_SESSION_MINUTES", "30")
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="HB", year="2020")
    sign_in(at, "hebei")
    assert metric(at, "出访人次") == "63 人次"
    at.session_state["auth_user"]["last_seen"] -= dt.timedelta(minutes=31)
    at.run()
    assert at.metric == [] and any("登录已超时" in i.value for i in at.info)


def test_header_mode_fails_closed_without_a_mapped_user(fixture_run, store, monkeypatch):
    monkeypatch.setenv("ISTC_AUTH", "header")
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="HB")
    assert at.metric == [] and any("单点登录" in e.value for e in at.error)


def test_unknown_auth_mode_fails_closed(fixture_run, store, monkeypatch):
    monkeypatch.setenv("ISTC_AUTH", "everyone")
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="HB")
    assert at.metric == [] and any("配置无效" in e.value for e in at.error)


def test_no_auth_mode_shows_a_banner(fixture_run, monkeypatch):
    monkeypatch.setenv("ISTC_AUTH", "none")
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="HB", year="2020")
    assert any("未启用登录" in w.value for w in at.warning)
    assert metric(at, "出访人次") == "63 人次"


def test_sign_in_starts_the_cookies_session_and_sign_out_ends_it(fixture_run, store, monkeypatch):
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="HB", year="2020")
    sign_in(at, "hebei")
    recorded = json.loads((store.parent / "sessions.json").read_text())
    assert [r["user"] for r in recorded.values()] == ["hebei"]
    posts = [h.proto.body for h in at.get("html") if "_istc/session" in h.proto.body]
    assert len(posts) == 1 and '"POST"' in posts[0]  # the page trades its one-time token for the cookie
    at.run()
    assert not [h for h in at.get("html") if "_istc/session" in h.proto.body]  # once only
    at.button(key="sign_out").click().run()
    assert json.loads((store.parent / "sessions.json").read_text()) == {}  # the cookie signs nobody in any more
    assert any('"DELETE"' in h.proto.body for h in at.get("html"))  # and the browser is asked to drop it


def test_an_open_tab_learns_within_a_minute_that_the_password_was_changed(fixture_run, store, monkeypatch):
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="HB", year="2020")
    sign_in(at, "hebei")
    users.add("hebei", "HB", "another-password", path=store, replace=True)  # `python -m accounts passwd`
    at.run()
    assert metric(at, "出访人次") == "63 人次"  # checked at most once a minute, not on every rerun
    at.session_state["auth_user"]["touched"] -= dt.timedelta(minutes=2)
    at.run()
    assert at.metric == [] and any("密码已修改" in i.value for i in at.info)
    log = [json.loads(x) for x in (store.parent / "audit.log").read_text().splitlines()]
    assert log[-1]["event"] == "session_password_changed" and log[-1]["user"] == "hebei"


def tampered_cookie(value: str) -> str:
    """The cookie with its signature's first character changed. Not its last: base64 of a 20-byte signature leaves
    2 bits of the last character unused, and a change there alone decodes to the same signature (1 time in 16)."""
    sig = value.rindex(".") + 1
    return value[:sig] + ("A" if value[sig] != "A" else "B") + value[sig + 1 :]


def test_a_new_session_resumes_from_the_cookie_until_idle_longer_than_the_timeout(fixture_run, store, monkeypatch):
    from ui import auth, sessions

    monkeypatch.setenv("ISTC_SESSION_MINUTES", "30")
    session_id = sessions.start("hebei", store=store)
    monkeypatch.setattr(auth, "_cookie", lambda: sessions.cookie_value(session_id, store=store))  # what a browser sends
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="SJZ", year="2020")  # a reload of a deep link
    assert not any(b.label == "登录" for b in at.button)
    assert at.session_state["scope_id"] == "SJZ" and metric(at, "出访人次") == "45 人次"
    genuine = auth._cookie
    monkeypatch.setattr(auth, "_cookie", lambda: tampered_cookie(genuine()))
    tampered = open_page(fixture_run[0], "overview", monkeypatch, scope="SJZ", year="2020")
    assert tampered.metric == [] and any(b.label == "登录" for b in tampered.button) and not tampered.info
    monkeypatch.setattr(auth, "_cookie", genuine)
    recorded = store.parent / "sessions.json"
    idle = {k: {**r, "last_seen": (dt.datetime.fromisoformat(r["last_seen"]) - dt.timedelta(minutes=31)).isoformat()}
            for k, r in json.loads(recorded.read_text()).items()}  # fmt: skip
    recorded.write_text(json.dumps(idle))
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="SJZ", year="2020")  # the next reload, 31 min later
    assert at.metric == [] and any("登录已超时" in i.value for i in at.info)
    assert json.loads(recorded.read_text()) == {}
