"""报告包: a Word brief (cover, key figures with 同比, 图1…, 表1…, sentences, 口径, completeness) and its tables in Excel."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ui import fmt

from . import render
from .content import Brief
from .tables import xlsx_bytes

BODY_FONT, TITLE_FONT = "仿宋", "黑体"


def _font(run, name: str, size: float, bold: bool = False) -> None:
    """Set Latin and East Asian font (Word picks the East Asian one for Chinese text)."""
    run.font.name, run.font.size, run.font.bold = name, Pt(size), bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def _para(doc, text: str, size: float = 12, *, font: str = BODY_FONT, bold: bool = False, center: bool = False,
          indent: bool = False, color: RGBColor | None = None):  # fmt: skip
    p = doc.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    p.paragraph_format.line_spacing = 1.4
    run = p.add_run(text)
    _font(run, font, size, bold)
    if color is not None:
        run.font.color.rgb = color
    return p


def _heading(doc, text: str) -> None:
    p = _para(doc, text, 15, font=TITLE_FONT, bold=True)
    p.paragraph_format.space_before, p.paragraph_format.space_after = Pt(12), Pt(6)


def _table(doc, number: int, t) -> None:
    _para(doc, f"表{number}　{t.title}", 11, font=TITLE_FONT, center=True)
    table = doc.add_table(rows=1, cols=len(t.data.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    first = 5.0 if len(t.data.columns) > 2 else 8.0  # the label column is the widest
    widths = [Cm(first)] + [Cm((16.0 - first) / (len(t.data.columns) - 1))] * (len(t.data.columns) - 1)
    for cell, col, width in zip(table.rows[0].cells, t.data.columns, widths, strict=True):
        cell.text, cell.width = "", width
        _font(cell.paragraphs[0].add_run(str(col)), TITLE_FONT, 10, True)
    for row in t.data.itertuples(index=False):
        cells = table.add_row().cells
        for cell, (col, value) in zip(cells, zip(t.data.columns, row, strict=True), strict=True):
            cell.width = widths[list(t.data.columns).index(col)]
            money = "万元" in str(col) or col in t.money_columns
            text = value if isinstance(value, str) else fmt.number(value, digits=2 if money else None)
            cell.text = ""
            _font(cell.paragraphs[0].add_run(str(text)), BODY_FONT, 10)
            if not isinstance(value, str):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if t.note:
        _para(doc, f"注：{t.note}", 9, color=RGBColor(0x55, 0x55, 0x55))


def docx_bytes(brief: Brief) -> bytes:
    """The Word brief."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin, section.bottom_margin = Cm(3.2), Cm(2.6)
    # Cover
    for _ in range(6):
        doc.add_paragraph()
    _para(doc, f"{brief.scope_name}国际科技合作与交流", 24, font=TITLE_FONT, bold=True, center=True)
    _para(doc, f"统计分析简报（{brief.year}年度）", 22, font=TITLE_FONT, bold=True, center=True)
    doc.add_paragraph()
    _para(doc, f"范围：{brief.scope_full_name}（含全部下级账号）", 14, center=True)
    _para(doc, f"统计年度：{brief.year}年1月1日—{brief.year}年12月31日", 14, center=True)
    _para(doc, f"编制日期：{dt.date.today():%Y年%m月%d日}", 14, center=True)
    _para(doc, fmt.SOURCE, 12, center=True, color=RGBColor(0x55, 0x55, 0x55))
    doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
    # Body
    _heading(doc, "一、总体情况")
    for sentence in brief.sentences:
        _para(doc, sentence, 12, indent=True)
    _table(doc, 1, brief.tables[0])
    _heading(doc, "二、图表")
    for i, (caption, figure, note) in enumerate(brief.figures, 1):
        doc.add_picture(io.BytesIO(render.figure_bytes(figure, "png", note)), width=Cm(15.5))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _para(doc, f"图{i}　{caption}", 11, font=TITLE_FONT, center=True)
    for i, t in enumerate(brief.tables[1:], 2):
        _table(doc, i, t)
    _heading(doc, "三、数据完整性与口径说明")
    if brief.coverage:
        _para(doc, f"数据完整性：{brief.coverage}", 12, indent=True)
    for i, note in enumerate(brief.notes, 1):
        _para(doc, f"{i}. {note}", 11)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def write_pack(brief: Brief, out_dir: Path) -> list[Path]:
    """Write <scope>_<year>_统计分析简报.docx and its tables .xlsx into out_dir; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{brief.scope_name}_{brief.year}年度_国际科技合作统计分析简报"
    docx_path, xlsx_path = out_dir / f"{stem}.docx", out_dir / f"{stem}_表格.xlsx"
    docx_path.write_bytes(docx_bytes(brief))
    meta = {"范围": f"{brief.scope_full_name}（{brief.scope_id}）", "统计年度": str(brief.year),
            "数据完整性": brief.coverage, "口径": "\n".join(brief.notes)}  # fmt: skip
    xlsx_path.write_bytes(xlsx_bytes(brief.tables, meta))
    return [docx_path, xlsx_path]
