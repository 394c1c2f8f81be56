"""The Word brief as a document: read from the saved .docx (page, footer fields, styles, images, tables, text)."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn
from PIL import Image

import queries
from etl.run import run
from reports import content, drivers, pack, render
from tests.conftest import TODAY
from tests.fixtures.inbox import write_inbox


@pytest.fixture(scope="module")
def brief_doc(fixture_db, tmp_path_factory):
    """The fixture's 河北省 brief for 2020 as saved, and the brief it was made from."""
    brief = content.build_brief(fixture_db, "HB", 2020, compiler="河北省科学技术厅国际合作处")
    docx_path, _ = pack.write_pack(brief, tmp_path_factory.mktemp("brief"))
    return Document(str(docx_path)), brief


def _text(doc) -> str:
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_page_is_a4_with_binding_margins_and_numbered_footer(brief_doc):
    doc, _ = brief_doc
    section = doc.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    assert round(section.left_margin.cm, 1) == 2.8 and round(section.top_margin.cm, 1) == 3.7
    assert section.different_first_page_header_footer  # the cover has no page number
    footer = section.footer._element.xml
    fields = re.findall(r"<w:instrText[^>]*>\s*(\w+)\s*</w:instrText>", footer)
    assert fields == ["PAGE", "NUMPAGES"]
    assert section.footer.paragraphs[0].text == "第 1 页 共 1 页"  # the fields' placeholders until laid out
    assert "PAGE" not in section.first_page_footer._element.xml


def test_cover_names_the_compiler_and_the_sections_are_headings(brief_doc):
    doc, _ = brief_doc
    text = _text(doc)
    assert "编制单位：河北省科学技术厅国际合作处" in text and "统计分析简报（2020年度）" in text
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[:4] == ["一、总体情况", "二、人员交流", "三、经费投入", "四、合作项目与成果"]
    assert headings[-1].endswith("数据完整性与口径说明")
    h1 = doc.styles["Heading 1"].element.rPr.find(qn("w:rFonts"))
    assert h1.get(qn("w:eastAsia")) == "黑体" and h1.get(qn("w:asciiTheme")) is None  # no theme font overriding it


def test_no_account_jargon_and_level_fitting_labels(brief_doc):
    doc, _ = brief_doc
    text = _text(doc)
    assert "账号" not in text
    assert "本单位" not in text.replace("只填报本单位数据", "")  # a province is no unit: 牵头, 经费投入
    assert "国际科技合作经费投入（计入统计）" in text and "牵头" in text


def test_every_chart_is_drawn_at_its_placed_width_and_prints_at_9pt_or_more(brief_doc):
    doc, brief = brief_doc
    assert len(doc.inline_shapes) == len(brief.figures) >= 4
    for shape in doc.inline_shapes:
        blob = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
        png = Image.open(io.BytesIO(doc.part.related_parts[blob].blob))
        dpi = png.info["dpi"][0]
        rendered_cm = png.size[0] / dpi * 2.54
        assert abs(rendered_cm - pack.placed_width_cm(shape)) < 0.05, (rendered_cm, pack.placed_width_cm(shape))
    for _, figure, _ in brief.figures:  # the same print layout, as SVG: every text's size in the drawing itself
        laid = render.print_layout(figure, pack.FIGURE_WIDTH_CM)
        svg = render.figure_bytes(laid, "svg").decode("utf-8")
        width = float(re.search(r'<svg[^>]* width="([\d.]+)"', svg).group(1))
        sizes = [float(s) for s in re.findall(r"font-size: ?([\d.]+)px", svg)]
        assert sizes and min(render.printed_pt(s, width, pack.FIGURE_WIDTH_CM) for s in sizes) >= 9 - 1e-6
        assert "导出日期" not in svg and not laid.layout.title.text  # the caption 图N is the title


def test_tables_have_widths_a_repeated_header_and_right_aligned_numbers(brief_doc):
    doc, _ = brief_doc
    for table in doc.tables:
        first = table.rows[0]._tr
        assert first.trPr is not None and first.trPr.find(qn("w:tblHeader")) is not None
        grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        cells = [c.width for c in table.rows[-1].cells]
        assert all(abs(w / 635 - g) <= 1 for w, g in zip(cells, grid, strict=True))  # every cell as wide as its column
        assert abs(sum(grid) / 1440 * 2.54 - pack.TEXT_WIDTH_CM) < 0.05
    key = doc.tables[0]
    grid = [int(c.get(qn("w:w"))) for c in key._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert grid[0] == max(grid) and len(set(grid)) > 2  # the label column is the widest, not an equal grid
    row = next(r for r in key.rows if r.cells[0].text == "出访人次")
    assert [c.text for c in row.cells[2:]] == ["63", "46", "+37.0%"]
    assert all(c.paragraphs[0].alignment == 2 for c in row.cells[2:])  # RIGHT
    captions = [p for p in doc.paragraphs if p.text.startswith("表")]
    assert captions and all(p.paragraph_format.keep_with_next for p in captions)


def test_headline_changes_say_which_children_drove_them(brief_doc):
    """HB outbound 46 → 63 (+17): 石家庄市 0 → 5 + 20 + 12 + ... hand-worked from the fixture."""
    doc, _ = brief_doc
    text = _text(doc)
    # 2020: HB own 10, SJZ subtree (U1 40 + U2 5) = 45, BD subtree (U3 8) = 8 → 63.
    # 2019: HB own 8, SJZ subtree (U1 30; U2 none) = 30, BD subtree (U3 6 + U4 2) = 8 → 46.
    assert "出访63 人次，比上年增长37.0%" in text
    assert (
        "从下级看，增长主要来自石家庄市（增加15 人次，占增量的88.2%）、河北省本级（增加2 人次，占增量的11.8%）" in text
    )


def test_decompose_shares_offsets_and_distinct_fields():
    cur = pd.Series({"A": 30, "B": 12, "C": 5, "D": 0})
    prev = pd.Series({"A": 10, "B": 10, "C": 10})
    d = drivers.decompose(cur, prev)  # Δ = +20 +2 -5 +0 = +17
    assert d.delta == 17 and [(x.name, x.delta) for x in d.drivers] == [("A", 20), ("B", 2)]
    assert d.drivers[0].share == pytest.approx(20 / 17)
    assert [(x.name, x.delta) for x in d.against] == [("C", -5)]  # 5 ≥ 17 / 5
    text = drivers.drivers_text(d, "人次")
    assert (
        text
        == "增长主要来自A（增加20 人次，占增量的117.6%）、B（增加2 人次，占增量的11.8%）；C减少5 人次，抵消了部分增长"
    )
    assert drivers.decompose(pd.Series({"A": 3}), pd.Series({"A": 3})).drivers == []
    swing = drivers.decompose(pd.Series({"A": 230, "B": 100}), pd.Series({"A": 10, "B": 300}))  # +220 −200 = +20
    assert swing.offsetting and all(x.share is None for x in swing.drivers + swing.against)  # no '1100 % of it'
    assert drivers.drivers_text(swing, "人次", "从下级看，") == (
        "从下级看，各方增减相抵后净增加：增加较多的是A（增加220 人次）；减少较多的是B（减少200 人次）"
    )
    assert all(x.share is None for x in drivers.decompose(cur, prev, additive=False).drivers)


def test_ties_are_said_as_ties():
    four_way = pd.Series({"美国": 50, "德国": 40, "日本": 30, "英国": 30, "法国": 30, "韩国": 30, "意大利": 5})
    assert (
        content.leaders(four_way, "人次")
        == "美国（50 人次）、德国（40 人次）、日本、英国、法国、韩国并列第三（各30 人次）"
    )
    assert content.leader_phrase(four_way, "人次", "国家").startswith("居前的国家是")  # not 前三位
    plain = pd.Series({"美国": 50, "德国": 40, "日本": 30, "英国": 20})
    assert (
        content.leader_phrase(plain, "人次", "国家")
        == "居前三位的国家是美国（50 人次）、德国（40 人次）、日本（30 人次）"
    )
    top_tie = pd.Series({"美国": 50, "德国": 50, "日本": 30, "英国": 20})
    assert content.leaders(top_tie, "人次") == "美国、德国并列第一（各50 人次）、日本（30 人次）"


@pytest.fixture(scope="module")
def funded_db(tmp_path_factory):
    """The fixture with 用于合作项目 filled in for 2020: U1 60 万元, U2 30 万元 (their reportable money is 100 and 50)."""
    root = tmp_path_factory.mktemp("funded")
    inbox = write_inbox(root / "inbox")
    for name, amount in (("U1_r1", 60.0), ("U2_r2", 30.0)):
        path = inbox / "2020" / f"{name}.json"
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["funding"]["fund_on_projects"] = amount
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    run(inbox, root / "wh", today=TODAY, progress=False)
    con = queries.connect(root / "wh" / (root / "wh" / "CURRENT").read_text().strip())
    yield con
    con.close()


def test_per_project_funding_is_money_on_projects_over_projects(funded_db):
    """HB 2020: 用于合作项目 60 + 30 = 90 万元 over 2 projects (2020YFE0001 shared by U1 and U2 counts once,
    U1-A has no programme number and counts) = 45.00 万元 a project, not 840 / 2 = 420.00."""
    brief = content.build_brief(funded_db, "HB", 2020, compiler="")
    text = "\n".join(brief.sentences)
    assert "其中用于合作项目的经费90.00 万元，占计入统计经费的10.7%；按在研项目2 项计，平均每项45.00 万元。" in text
    assert "420.00" not in text


def test_compiler_setting_is_read_and_does_not_touch_the_etl_fingerprint(tmp_path):
    from etl import config

    base = '[deadlines]\ndefault = "07-31"\n'
    (tmp_path / "a.toml").write_text(base, encoding="utf-8")
    (tmp_path / "b.toml").write_text(base + '\n[report]\ncompiler = "某省科学技术厅"\n', encoding="utf-8")
    a, b = config.load(tmp_path / "a.toml"), config.load(tmp_path / "b.toml")
    assert (a.compiler, b.compiler) == ("", "某省科学技术厅")
    assert a.fingerprint == b.fingerprint  # a cover setting must not re-validate every document
