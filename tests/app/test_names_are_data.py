"""Names are data (issue 24): a registry of hostile names renders as text on every page, never as markup or links."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from etl.run import run
from present import charts, safe
from tests.app.conftest import open_page
from tests.app.hostile import NAMES, as_loaded, write_hostile_inbox
from tests.conftest import TODAY, user_store
from ui import widgets

PAGE_FILES = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "pages").glob("*.py"))
LOADED = {account: as_loaded(name) for account, (name, _) in NAMES.items()}
# Markup that must never come out of a name: outside links, images, bold, italics, LaTeX, colour directives.
MARKDOWN_ACTIVE = [n for n in LOADED.values() if safe.md(n) != n]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    run(write_hostile_inbox(root / "inbox"), root / "wh", today=TODAY, progress=False)
    return root / "wh"


@pytest.fixture()
def hebei(tmp_path, monkeypatch) -> Path:
    """A provincial user bound to the hostile 河北 account (HB), signed in through the local store."""
    store = user_store(tmp_path / "users.json", {"hebei": "HB"})
    monkeypatch.setenv("ISTC_AUTH", "local")
    monkeypatch.setenv("ISTC_USERS", str(store))
    return store


def signed_in(warehouse: Path, page: str, monkeypatch, **params):
    at = open_page(warehouse, "overview", monkeypatch, **params)
    at.text_input(key="auth_name").set_value("hebei")
    at.text_input(key="auth_password").set_value("password-hebei")
    at.button[0].click().run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    return at


def markdown_texts(at) -> list[str]:
    """Every string the page hands to Streamlit's Markdown: element bodies, widget labels, tooltips."""
    out = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        for name in ("body", "label", "help"):
            value = getattr(proto, name, None) if proto is not None else None
            if isinstance(value, str) and value:
                out.append(value)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def figure_strings(at) -> list[str]:
    """Every string in every plotly figure of the page (labels, hover texts, titles, annotations, templates)."""
    out = []

    def walk(x) -> None:
        if isinstance(x, str):
            out.append(x)
        elif isinstance(x, dict):
            for k, v in x.items():
                if k != "meta":  # layout.meta is data for exports, never drawn
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    for chart in at.get("plotly_chart"):
        walk(json.loads(chart.proto.spec))
    return out


@pytest.mark.parametrize("page", PAGE_FILES)
@pytest.mark.parametrize("scope", ["SJZ", "BD", "U1"])
def test_hostile_names_render_as_text_on_every_page(hostile, hebei, monkeypatch, page, scope):
    at = signed_in(hostile, page, monkeypatch, scope=scope, year="2020")
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["scope_id"] == scope
    texts = markdown_texts(at)
    for text in texts:
        for name in MARKDOWN_ACTIVE:
            assert name not in text, f"{name!r} reaches Markdown unescaped on {page}: {text!r}"
    if page not in ("glossary", "guide"):  # the breadcrumb: the province's name, and where we are in bold
        assert safe.md(LOADED["HB"]) in texts
        assert f"**› {safe.md(LOADED[scope])}**" in texts
    for text in figure_strings(at):
        lowered = text.lower()
        assert not any(tag in lowered for tag in ("<a", "<img", "<b>", "<span")), (
            f"markup in a chart on {page}: {text!r}"
        )


def test_escaped_names_reach_the_charts_as_text(hostile, hebei, monkeypatch):
    at = signed_in(hostile, "overview", monkeypatch, scope="SJZ", year="2020")
    strings = figure_strings(at)
    assert '&lt;a href="http://evil.example/phish"&gt;x&lt;/a&gt;' in strings  # U1 in the children ranking
    assert any("**粗体**；2020年度" in s for s in strings)  # the source line names the scope, as typed
    at = signed_in(hostile, "progress", monkeypatch, scope="BD", year="2020")
    assert "第一行第二行 &lt;b&gt;粗&lt;/b&gt;" in figure_strings(at)  # an account that never filled in
    assert "第一行第二行 <b>粗</b>" in set(at.dataframe[-1].value["名称"])  # tables show the name as it is


def test_md_and_label_escape_exactly():
    assert safe.md("**粗体**") == r"\*\*粗体\*\*"
    # a word joiner (invisible) after "http:", "www" and "@": GFM would autolink the address despite the escapes
    assert safe.md("[点我](http://evil.example/phish)") == "\\[点我\\]\\(http\\:\u2060\\/\\/evil\\.example\\/phish\\)"
    assert safe.md("www.evil.example a@evil.example") == "www\u2060\\.evil\\.example a\\@\u2060evil\\.example"
    assert safe.md("$x^2$ :red[红]") == r"\$x\^2\$ \:red\[红\]"
    assert safe.md("第一行\n第二行") == "第一行 第二行"
    assert safe.md("河北省科学技术厅") == "河北省科学技术厅"
    assert safe.label('<a href="u">x</a> & 1') == '&lt;a href="u"&gt;x&lt;/a&gt; &amp; 1'
    assert safe.template_text("50%{y}") == "50&#37;{y}"
    assert safe.unlabel(safe.label("&lt; <b> & %")) == "&lt; <b> & %"


def test_chart_data_downloads_carry_the_names_not_the_escapes():
    df = pd.DataFrame({"child_name": [LOADED["U1"], LOADED["SJZ"], "A&B"], "v": [3, 2, 1]})
    fig = charts.bar_ranking(df, "child_name", "v", "下级排名", "人次", f"{LOADED['HB']}；2020年度")
    assert set(fig.data[0].y) == {'&lt;a href="http://evil.example/phish"&gt;x&lt;/a&gt;', "**粗体**", "A&amp;B"}
    assert fig.layout.annotations[0].text.startswith("数据来源：国际科技合作与交流统计调查<br>&lt;img src=x")
    assert fig.layout.meta["source"].startswith("<img src=x")  # export sheets read the meta: the name as typed
    table = widgets.figure_rows(fig)
    assert list(table["类别"]) == [LOADED["U1"], "**粗体**", "A&B"]  # largest first, as a ranking reads


def test_a_long_name_is_cut_on_the_axis_and_whole_in_the_data(hostile, hebei, monkeypatch):
    at = signed_in(hostile, "progress", monkeypatch, scope="BD", year="2020")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    axis = spec["layout"]["yaxis"]
    cut = dict(zip(axis["tickvals"], axis["ticktext"], strict=True))
    assert cut[LOADED["U3"]] == LOADED["U3"][:23] + "…"  # 200 characters in the registry, 24 on the axis
    assert cut["第一行第二行 &lt;b&gt;粗&lt;/b&gt;"] == "第一行第二行 &lt;b&gt;粗&lt;/b&gt;"  # short names stay whole
    assert LOADED["U3"] in spec["data"][0]["y"]  # hover and the chart's data keep the whole name
