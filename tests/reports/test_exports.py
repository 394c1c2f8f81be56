"""Exports open with their libraries, carry the Chinese title and the fixture's numbers, and draw real glyphs."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from docx import Document
from openpyxl import load_workbook
from PIL import Image, ImageChops
from pypdf import PdfReader

import queries
from present import charts
from reports import content, pack, render, tables
from ui import widgets

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def con(fixture_run):
    c = queries.connect(fixture_run[0] / (fixture_run[0] / "CURRENT").read_text().strip())
    yield c
    c.close()


@pytest.fixture(scope="module")
def ranking():
    df = pd.DataFrame({"name": ["石家庄市", "保定市"], "value": [45, 8], "id": ["SJZ", "BD"]})
    return charts.bar_ranking(df, "name", "value", "2020 年度下级出访人次", "人次", "河北省；2020年度", ids="id")


def test_png_svg_pdf_carry_title_unit_note_and_source(ranking):
    png = render.figure_bytes(ranking, "png", "含港澳台")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, _ = Image.open(io.BytesIO(png)).size
    assert width >= 2000  # rendered at 2× scale
    svg = render.figure_bytes(ranking, "svg", "含港澳台").decode("utf-8")
    for text in (
        "2020 年度下级出访人次（单位：人次）",
        "口径：含港澳台",
        "数据来源：国际科技合作与交流统计调查",
        "导出日期",
    ):
        assert text in svg
    pdf = PdfReader(io.BytesIO(render.figure_bytes(ranking, "pdf", "含港澳台")))
    text = pdf.pages[0].extract_text()
    assert "下级出访人次" in text and "石家庄市" in text


def _glyph(char: str) -> Image.Image:
    fig = go.Figure()
    fig.add_annotation(text=char, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font={"size": 80})
    fig.update_layout(width=200, height=200, margin={"l": 0, "r": 0, "t": 0, "b": 0},
                      font={"family": charts.FONT}, xaxis_visible=False, yaxis_visible=False)  # fmt: skip
    return Image.open(io.BytesIO(render.figure_bytes(fig, "png"))).convert("L")


def test_chinese_glyphs_are_really_drawn_not_boxes():
    """Without a CJK font every character renders as the same missing-glyph box; with it they all differ."""
    images = {c: _glyph(c) for c in ("国", "际", "合", "作")}
    blank = Image.new("L", images["国"].size, 255)
    for c, img in images.items():
        assert ImageChops.difference(img, blank).getbbox(), f"{c} drew nothing"
    chars = list(images)
    for i, a in enumerate(chars):
        for b in chars[i + 1 :]:
            diff = ImageChops.difference(images[a], images[b])
            changed = diff.point(lambda p: 255 if p > 64 else 0).histogram()[255]
            assert changed > 500, f"{a} and {b} look identical: boxes instead of glyphs?"


def test_csv_has_bom_and_chinese_headers(ranking):
    data = tables.figure_table(ranking)
    assert list(data.columns) == ["类别", "数值（人次）"]
    raw = tables.csv_bytes(data)
    assert raw.startswith(b"\xef\xbb\xbf") and "类别" in raw.decode("utf-8-sig")


def test_a_money_trend_csv_writes_whole_amounts_without_a_point():
    # 经费投入's trend: a float column (万元) whose whole amounts pandas wrote as `530.0`; a fraction keeps its digits
    values = pd.DataFrame({"survey_year": [2019, 2020], "fund_reportable": [530.0, 212.35]})
    fig = charts.trend(values, "survey_year", {"fund_reportable": "计入统计经费"}, "计入统计经费趋势", "万元", "河北省")
    rows = widgets.figure_rows(fig)
    lines = tables.csv_bytes(rows).decode("utf-8-sig").splitlines()
    assert lines == ["统计年度,系列,数值（万元）", "2019,计入统计经费,530", "2020,计入统计经费,212.35"]
    # the years are years in Excel too: a column called 类别 got the count format and printed 2,019
    ws = load_workbook(io.BytesIO(tables.xlsx_bytes([tables.Table("计入统计经费趋势", rows)], {}))).worksheets[1]
    assert [ws["A2"].value, ws["A3"].value, ws["A3"].number_format] == ["统计年度", 2019, "0"]


def test_xlsx_is_formatted_with_an_explanation_sheet():
    df = pd.DataFrame({"下级": ["石家庄市", "保定市"], "计入统计经费（万元）": [250.0, 70.0], "出访（人次）": [45, 8]})
    wb = load_workbook(io.BytesIO(tables.xlsx_bytes([tables.Table("下级指标", df, note="已剔除中央、省级资金")],
                                                    {"范围": "河北省", "统计年度": "2020"})))  # fmt: skip
    assert wb.sheetnames == ["说明", "下级指标"]
    ws = wb["下级指标"]
    assert ws["A1"].value == "下级指标" and [c.value for c in ws[2]] == list(df.columns)
    assert ws.freeze_panes == "A3"
    assert ws["B3"].number_format == "#,##0.00" and ws["B3"].value == 250.0
    assert ws["C3"].number_format == "#,##0"  # whole numbers without a trailing point
    info = {r[0]: r[1] for r in wb["说明"].iter_rows(values_only=True)}
    assert info["范围"] == "河北省" and "已剔除" in info["口径：下级指标"] and info["导出日期"]


def test_report_pack_for_the_fixture(con, tmp_path):
    brief = content.build_brief(con, "HB", 2020)
    docx_path, xlsx_path = pack.write_pack(brief, tmp_path)
    doc = Document(str(docx_path))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "河北省国际科技合作与交流" in text and "统计分析简报（2020年度）" in text
    assert "出访63 人次，来访16 人次" in text  # the hand-worked fixture totals
    assert "计入统计的国际科技合作经费840.00 万元" in text
    assert "出访63 人次，比上年增长37.0%" in text  # outbound 46 → 63
    assert "图1　河北省人员交流趋势（2019—2020年度）" in text
    assert "数据完整性：应报填报单位 7 个，已报（已提交+已审核）7 个" in text
    assert len(doc.inline_shapes) == len(brief.figures) >= 3
    key = doc.tables[0]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in key.rows}
    assert rows["出访人次"][2:] == ["63", "46", "+37.0%"]
    wb = load_workbook(str(xlsx_path))
    assert {"说明", "主要指标", "下级主要指标", "填报情况"} <= set(wb.sheetnames)


def test_batch_command_for_all_children(fixture_run, tmp_path):
    result = subprocess.run([sys.executable, "-m", "reports", "build", "--warehouse", str(fixture_run[0]),
                             "--account", "CHILDREN:HB", "--year", "2020", "--out", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, check=True)  # fmt: skip
    assert "石家庄市_2020年度_国际科技合作统计分析简报.docx" in result.stdout
    assert (tmp_path / "保定市_2020年度_国际科技合作统计分析简报.docx").exists()
