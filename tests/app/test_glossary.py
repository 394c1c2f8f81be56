"""指标解释 covers the whole dictionary, and every chart's 口径 link resolves to an entry."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import pytest

from etl import dictionary as d
from tests.app.conftest import PAGES, every_view, open_page
from ui import guide
from ui.glossary import by_name


def test_every_field_of_the_dictionary_is_on_the_page(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "glossary", monkeypatch)
    labels = " ".join(e.label for e in at.main.expander)  # the sidebar has its 关于 / 运维 expander
    for g in d.GROUPS:
        for f in g.fields:
            assert f"`{f.name}`" in labels, f"{f.name} missing from 指标解释"


def test_search_and_deep_link(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "glossary", monkeypatch, field="fund_reportable")
    first = at.main.expander[0]
    assert "`fund_reportable`" in first.label
    text = " ".join(m.value for m in first.markdown)
    assert "F-03" in text and "逐级相加" in text
    at.text_input(key="gl_search").set_value("港澳台").run()
    assert all(
        "港澳台" in e.label or "港澳台" in " ".join(m.value for m in e.markdown) for e in at.main.expander
    )  # the sidebar has its 关于 / 运维 expander


@pytest.mark.parametrize("page", [p for p in PAGES if p not in ("glossary", "guide", "quality", "reports")])
def test_every_chart_links_to_an_existing_entry(fixture_run, monkeypatch, page):
    views = every_view(open_page(fixture_run[0], page, monkeypatch, scope="HB", year="2020"))
    links = [link for at in views for link in at.get("page_link") if link.proto.page == "glossary"]
    assert links, f"{page}: no 指标解释 link under its charts"
    entries = by_name()
    for link in links:
        name = parse_qs(link.proto.query_string)["field"][0]
        assert name in entries, f"{page}: link to unknown indicator {name}"
        assert link.proto.label == f"指标解释：{entries[name].label}"


def _guide_images(at) -> list[str]:
    return [url for image in at.image for url in image.value]


def test_guide_page_renders_the_markdown(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "guide", monkeypatch)
    text = " ".join(m.value for m in at.markdown)
    assert "登录与权限范围" in text and "运维人员" in text and "替换地图边界" in text
    shots = re.findall(r"^!\[[^\]]*\]\((img/[^)]+)\)", guide.GUIDE.read_text(encoding="utf-8"), re.M)
    assert len(_guide_images(at)) == len(shots) == 11  # unpublished (no server): the files themselves, as media


def test_a_server_sends_the_guide_screenshots_as_static_files(fixture_run, monkeypatch, tmp_path):
    # What ui.server does at start: the page then names each screenshot's static copy instead of re-encoding it.
    monkeypatch.setattr(guide, "_PUBLISHED", {})
    folder = tmp_path / "static" / "guide"
    guide.publish_images(folder)
    at = open_page(fixture_run[0], "guide", monkeypatch)
    urls = _guide_images(at)
    assert len(urls) == 11 and all(u.startswith("/app/static/guide/") for u in urls)
    served = {u.removeprefix("/app/static/guide/"): (folder / u.rsplit("/", 1)[1]).read_bytes() for u in urls}
    originals = {p.read_bytes() for p in (guide.GUIDE.parent / "img").rglob("*.png")}
    assert set(served.values()) <= originals and len(set(served.values())) == 11  # each one a screenshot, unchanged


def test_the_page_opens_with_survey_indicators_and_ends_with_system_fields(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "glossary", monkeypatch)
    labels = [e.label for e in at.main.expander]
    assert labels[0] == "出访团组（批次）数（批）　`out_groups`"  # §3 人员交流: Chinese name first, then the code
    codes = [label.rsplit("`", 2)[1] for label in labels]
    assert codes.index("proj_active_distinct") == codes.index("proj_active") + 13  # after §5's summary fields
    assert codes[-12:-10] == ["schema_version", "submission_id"]  # §1 the record's own fields, last
    assert codes.index("unit_name") > codes.index("project_key") > codes.index("n_reported") > codes.index("std_total")
    sections = at.multiselect(key="gl_sections").options
    assert sections[0] == "§3 人员交流" and sections[-2:] == ["§2 单位基本情况", "§1 填报记录（表头）"]


def test_closed_entries_send_their_label_only(fixture_run, monkeypatch):
    """175 bodies on every visit cost the browser seconds: a closed entry's body is drawn when it is opened."""
    at = open_page(fixture_run[0], "glossary", monkeypatch, field="out_person_times")
    entries = at.main.expander
    with_body = [e.label for e in entries if e.markdown]
    assert len(entries) > 150 and with_body == [entries[0].label] and "`out_person_times`" in with_body[0]
    at.multiselect(key="gl_sections").set_value(["§3 人员交流"]).run()  # a narrowed list shows its bodies
    assert all(e.markdown for e in at.main.expander) and 0 < len(at.main.expander) < len(entries)
