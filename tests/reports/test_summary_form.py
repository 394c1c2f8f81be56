"""The 汇总表（盖章版） as a 统计报表 (issue 19 §4) and Excel sheets that print and compute (§5), read from the files.

Expected numbers are worked out by hand from tests/fixtures/inbox.py (河北省 HB, 2020):
计入统计 840 = 下级合计 320 (石家庄 100 + 甲大学 100 + 乙公司 50; 保定 40 + 丙医院 20 + 丁研究所 10) + 本级出资 520
(省级 500 + 自筹 20: the provincial funder counts its own provincial money). 经费合计 1,150; 中央 200 (甲大学),
省级 570 (河北省 500 + 甲大学 50 + 丙医院 20), 市级 195 (石家庄 100 + 保定 40 + 甲大学 30 + 乙公司 10 + 丙医院 15).
Counted of that 655 (河北省 500 + 石家庄 100 + 保定 40 + 丙医院 15, whose city does not report municipal funds);
not counted 310 (中央 200 + 省级 70 + 市级 40); 1,150 − 310 = 840.
"""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reports import content, summary, tables

HB_FUNDING = {
    "国际科技合作经费投入（计入统计）": 840, "其中：下级合计": 320, "本级出资": 520, "经费合计（全部来源，备查）": 1150,
    "其中：中央（国家级）财政资金（备查）": 200, "其中：省级财政资金（备查）": 570, "其中：市（地）级财政资金（备查）": 195,
    "上述财政资金中计入统计的部分": 655, "上述财政资金中不计入统计的部分": 310,
}  # fmt: skip


@pytest.fixture(scope="module")
def con(fixture_db):
    return fixture_db  # the session's read-only connection to the fixture warehouse (tests/conftest.py)


@pytest.fixture(scope="module")
def files(con, tmp_path_factory):
    out = tmp_path_factory.mktemp("summary")
    pdf, xlsx = summary.write_summary(con, "HB", 2020, out)
    return pdf, xlsx


def pdf_lines(path) -> list[str]:
    return [line for page in PdfReader(str(path)).pages for line in page.extract_text().splitlines()]


def test_file_names_carry_the_name_not_the_id(files):
    assert [p.name for p in files] == ["河北省_2020年度_汇总表.pdf", "河北省_2020年度_汇总表.xlsx"]


def test_pdf_has_the_form_furniture_and_page_numbers(files):
    reader = PdfReader(str(files[0]))
    n = len(reader.pages)
    for i, page in enumerate(reader.pages, 1):
        assert f"第 {i} 页 共 {n} 页" in page.extract_text()
    text = "\n".join(pdf_lines(files[0]))
    assert "国际科技合作与交流统计调查汇总表" in text and "（2020年度）" in text
    for furniture in ("表 号：", "制定机关：科学技术部", "批准文号：", "有效期至："):
        assert furniture in text
    assert "综合机关名称：" in text and "河北省科学技术厅" in text
    assert "填报账号" not in text and "（HB）" not in text
    for sign in ("单位负责人：", "统计负责人：", "填表人：", "报出日期：", "（单位盖章）"):
        assert sign in text


def test_pdf_funding_rows_reconcile(files):
    lines = pdf_lines(files[0])
    values = {}
    for i, line in enumerate(lines):  # a row reads: 指标 / 计量单位 / 行次 / 数值
        if line.strip() in HB_FUNDING and i + 3 < len(lines) and lines[i + 1] == "万元":
            values[line.strip()] = float(lines[i + 3].replace(",", ""))
    assert values == HB_FUNDING
    text = "".join(lines)
    assert "计入统计 = 下级合计 + 本级出资（840.00 = 320.00 + 520.00 万元）" in text
    assert "1,150.00 − 310.00 = 840.00 万元" in text
    assert "本级填报的本级财政资金计入统计" in text  # 备查 money is counted at the funder, not "never"


def test_pdf_no_line_starts_with_closing_punctuation(con, files, tmp_path):
    """避头尾, on the fixture's form and on a note with a comma at every possible line position."""
    s = summary.build(con, "HB", 2020)
    s.notes.append("".join("统" * k + "，" for k in range(1, 60)))
    (tmp_path / "commas.pdf").write_bytes(summary.pdf_bytes(s))
    for line in pdf_lines(files[0]) + pdf_lines(tmp_path / "commas.pdf"):
        assert not re.match(r"\s*[，。、；：）」』]", line), line


def test_pdf_headers_are_bold(files):
    """The CJK font has no bold face: headers are drawn fill+stroke (text render mode 2) — it is in the stream."""
    page = PdfReader(str(files[0])).pages[0]
    assert b"2 Tr" in page.get_contents().get_data()


def test_xlsx_twin_has_notes_signatures_and_formats_per_row(files):
    wb = load_workbook(str(files[1]))
    ws = wb.worksheets[1]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    text = [str(c.value) for c in cells]
    assert any("表　　号" in t and "制定机关：科学技术部" in t for t in text)
    assert "综合机关名称：河北省科学技术厅" in text
    assert any(t.startswith("2. 计入统计 = 下级合计 + 本级出资（840.00 = 320.00 + 520.00 万元）") for t in text)
    for sign in ("单位负责人：", "统计负责人：", "填表人：", "报出日期："):
        assert any(t.startswith(sign) for t in text), sign
    assert "（单位盖章）" in text
    header = next(c.row for c in cells if c.value == "指标名称")
    rows = {
        ws.cell(r, 2).value: ws.cell(r, 5) for r in range(header + 1, ws.max_row + 1) if ws.cell(r, 5).value is not None
    }
    assert rows["出访人次"].value == 63 and rows["出访人次"].number_format == "#,##0"
    money = rows["国际科技合作经费投入（计入统计）"]
    assert money.value == 840 and money.number_format == "#,##0.00"
    assert rows["　其中：下级合计"].value == 320 and rows["　　　　本级出资"].value == 520
    assert any(str(m).startswith("A") and m.min_row > header and m.max_row > m.min_row for m in ws.merged_cells.ranges)
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == f"${header}:${header}"


def test_every_sheet_prints_and_numbers_compute(con):
    """The report pack's tables: 同比 stored as a number with a signed percent format, years as 0, units per row,
    page setup on every sheet, 说明 rows tall enough for their text."""
    brief = content.build_brief(con, "HB", 2020)
    wb = load_workbook(io.BytesIO(tables.xlsx_bytes(brief.tables, tables.brief_meta(brief))))
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == 9, ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert "&P" in ws.oddFooter.center.text, ws.title
    key = wb["主要指标"]
    rows = {key.cell(r, 1).value: [key.cell(r, c) for c in range(1, 6)] for r in range(3, key.max_row + 1)}
    out = rows["出访人次"]
    assert out[2].value == 63 and out[2].number_format == "#,##0"
    assert out[4].value == pytest.approx(0.37) and out[4].number_format == tables.SIGNED_PERCENT  # 46 → 63
    fund = rows["国际科技合作经费投入（计入统计）"]  # an aggregated scope: not 本单位…
    assert fund[2].value == 840 and fund[2].number_format == "#,##0.00"
    filling = wb["填报情况"]
    assert filling["A3"].value == 2020 and filling["A3"].number_format == "0"
    assert wb["下级主要指标"].print_title_rows == "$2:$2"
    info = wb["说明"]
    for r in range(1, info.max_row + 1):
        text = str(info.cell(r, 2).value or "")
        lines = sum(max(1, -(-sum(2 if ord(c) > 0x2E80 else 1 for c in part) // 88)) for part in text.split("\n"))
        assert info.row_dimensions[r].height >= 15 * lines, (info.cell(r, 1).value, text)
    assert info.page_setup.orientation == "portrait"


def test_dashboard_download_formats_years_and_rates():
    df = pd.DataFrame({"下级": ["石家庄市", "保定市"], "年度": [2019, 2020], "完成率": ["85.0%", "100.0%"],
                       "出访（人次）": [45, 8]})  # fmt: skip
    ws = load_workbook(io.BytesIO(tables.xlsx_bytes([tables.Table("下级填报状态", df)], {}))).worksheets[1]
    assert ws["B3"].value == 2019 and ws["B3"].number_format == "0"
    assert ws["C3"].value == pytest.approx(0.85) and ws["C3"].number_format == "0.0%"
    assert ws["D3"].number_format == "#,##0"


def test_dashboard_xlsx_states_basis_and_completeness(fixture_run, monkeypatch):
    """A table or chart downloaded from a page says what the command-line pack says: scope, basis, completeness."""
    from ui import data, state, widgets

    monkeypatch.setenv("ISTC_WAREHOUSE", str(fixture_run[0]))
    f = state.Filters("HB", 2020, 2019, 2020, "ALL", "ALL", "approved")
    meta = data.as_user(lambda: widgets._export_meta({"title": "2020年度下级填报状态"}, f), root="HB")()  # as on click
    book = tables.xlsx_bytes(
        [tables.Table("下级填报状态", pd.DataFrame({"下级": ["保定市"]}), note="每个下级含下属账号")], meta
    )
    info = {r[0]: r[1] for r in load_workbook(io.BytesIO(book))["说明"].iter_rows(values_only=True)}
    assert info["范围"] == "河北省科学技术厅" and info["统计年度"] == "2020"
    assert info["数据口径"] == "仅已审核" and info["数据完整性"] == "已报 7 / 应报 7（已审核 3）"
    assert info["口径：下级填报状态"] == "每个下级含下属账号" and "范围代码" not in info


def test_form_furniture_comes_from_settings_and_does_not_touch_the_etl(con, tmp_path, monkeypatch):
    from etl import config

    text = config.DEFAULT_CONFIG.read_text(encoding="utf-8")
    filled = text.replace('table_no = ""', 'table_no = "国科外统1表"').replace(
        'valid_until = ""', 'valid_until = "2027年12月"'
    )
    assert filled != text
    (tmp_path / "survey.toml").write_text(filled, encoding="utf-8")
    (tmp_path / "funding.toml").write_text(filled.replace("municipal_exclusion_provinces = []",
                                                          'municipal_exclusion_provinces = ["130000"]'), encoding="utf-8")  # fmt: skip
    base, form, funding = (config.load(p) for p in (config.DEFAULT_CONFIG, tmp_path / "survey.toml",
                                                    tmp_path / "funding.toml"))  # fmt: skip
    assert form.fingerprint == base.fingerprint != funding.fingerprint  # a report setting re-validates nothing
    monkeypatch.setattr(config, "DEFAULT_CONFIG", tmp_path / "survey.toml")
    s = summary.build(con, "HB", 2020)
    pdf = PdfReader(io.BytesIO(summary.pdf_bytes(s)))
    assert "表 号：国科外统1表" in pdf.pages[0].extract_text() and "有效期至：2027年12月" in pdf.pages[0].extract_text()
