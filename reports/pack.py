"""报告包: a Word brief laid out for print (A4, cover, headings, 图1…, 表1…, 口径, page numbers) and its tables in Excel.

Page: A4 with the margins of GB/T 9704 official documents (top 3.7 cm, bottom 3.5 cm, binding side 2.8 cm,
outer side 2.6 cm): a 15.6 cm text block that binds and files like the documents it travels with.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt, RGBColor

from present import fmt

from . import render
from .content import Brief
from .tables import CONTROL, YEAR_COLUMNS, Table, brief_meta, safe_filename, xlsx_bytes

BODY_FONT, HEADING_FONT, CAPTION_FONT, NUMBER_FONT = "仿宋", "黑体", "黑体", "宋体"
PAGE_CM = (21.0, 29.7)
MARGINS_CM = {"top": 3.7, "bottom": 3.5, "left": 2.8, "right": 2.6}  # GB/T 9704: 天头 37 mm, 订口 28 mm
TEXT_WIDTH_CM = PAGE_CM[0] - MARGINS_CM["left"] - MARGINS_CM["right"]  # 15.6
FIGURE_WIDTH_CM = 15.5  # charts are laid out at this width (reports.render.print_layout)
BODY_PT, TABLE_PT, CAPTION_PT = 14, 10.5, 12  # 四号 body, 五号 tables and notes, 小四 captions
CELL_PADDING_CM = 0.19 * 2 + 0.12  # Word's default left + right cell margins, and a little slack
GREY = RGBColor(0x40, 0x40, 0x40)
NUMBER = re.compile(r"^[-+]?[\d,]+(\.\d+)?%?$|^—$")


def _fonts(target, name: str, size: float | None = None, bold: bool | None = None) -> None:
    """Set Latin and East Asian font of a run or style (Word picks the East Asian one for Chinese text) and drop the
    theme fonts a built-in style carries, which would otherwise win."""
    font = target.font
    font.name = name
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = target.element.get_or_add_rPr() if hasattr(target, "element") else target._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _styles(doc) -> None:
    """Normal, Heading 1/2 and Caption in Chinese fonts, black, so the navigation pane and a TOC list the headings."""
    normal = doc.styles["Normal"]
    _fonts(normal, BODY_FONT, BODY_PT)
    normal.paragraph_format.line_spacing = 1.5
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)
    for name, font, size in (("Heading 1", HEADING_FONT, 16), ("Heading 2", "楷体", 15)):
        style = doc.styles[name]
        _fonts(style, font, size, bold=name == "Heading 2")
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.italic = False
        pf = style.paragraph_format
        pf.space_before, pf.space_after, pf.keep_with_next = Pt(12), Pt(6), True
        pf.line_spacing = 1.5
    caption = doc.styles["Caption"]
    _fonts(caption, CAPTION_FONT, CAPTION_PT, bold=False)
    caption.font.color.rgb = RGBColor(0, 0, 0)
    caption.font.italic = False
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.space_before, caption.paragraph_format.space_after = Pt(6), Pt(6)


def _page(doc) -> None:
    """A4 portrait with binding margins; the footer says 第 X 页 共 Y 页 in fields, the cover has none."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(PAGE_CM[0]), Cm(PAGE_CM[1])
    for side, cm in MARGINS_CM.items():
        setattr(section, f"{side}_margin", Cm(cm))
    section.header_distance, section.footer_distance = Cm(1.5), Cm(2.5)
    section.different_first_page_header_footer = True  # the cover: no page number
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for part in ("第 ", "PAGE", " 页 共 ", "NUMPAGES", " 页"):
        if part.isupper():
            _field(p, part)
        else:
            _fonts(p.add_run(part), NUMBER_FONT, TABLE_PT)


def _field(paragraph, instruction: str) -> None:
    """A field (PAGE, NUMPAGES) that Word and LibreOffice compute when they lay the page out."""
    parts = [("w:fldChar", {"w:fldCharType": "begin"}), ("w:instrText", None), ("w:fldChar", {"w:fldCharType": "separate"}),
             ("w:t", None), ("w:fldChar", {"w:fldCharType": "end"})]  # fmt: skip
    for tag, attrs in parts:
        run = paragraph.add_run()
        _fonts(run, NUMBER_FONT, TABLE_PT)
        el = OxmlElement(tag)
        for k, v in (attrs or {}).items():
            el.set(qn(k), v)
        if tag == "w:instrText":
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instruction} "
        elif tag == "w:t":
            el.text = "1"  # shown until the field is updated
        run._r.append(el)


def _para(doc, text: str, size: float = BODY_PT, *, font: str = BODY_FONT, bold: bool = False, center: bool = False,
          indent: bool = False, color: RGBColor | None = None, style: str | None = None):  # fmt: skip
    p = doc.add_paragraph(style=style)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    run = p.add_run(CONTROL.sub("", text))  # a name's control character would make python-docx refuse the brief
    _fonts(run, font, size, bold)
    if color is not None:
        run.font.color.rgb = color
    return p


def _note(doc, text: str):
    p = _para(doc, text, TABLE_PT, color=GREY)
    p.paragraph_format.line_spacing = 1.15
    p.paragraph_format.space_after = Pt(8)
    return p


def _text_cm(text: str, pt: float) -> float:
    """Width of a line of text: CJK and full-width characters 1 em, digits and Latin about 0.55 em, plus 8 % for a
    substitute font wider than the one asked for."""
    em = pt / 72 * 2.54 * 1.08
    return sum(em if ord(c) > 0x2E80 else 0.55 * em for c in text)


def _cell_text(t: Table, col: str, value: object, row: pd.Series) -> str:
    if str(col) in YEAR_COLUMNS and not fmt.is_missing(value):  # a year, written as in Excel: no separator
        return str(int(value))  # type: ignore[call-overload]
    if isinstance(value, str):
        return value
    money = "万元" in str(col) or col in t.money_columns or row.get("单位") == "万元"
    return fmt.number(value, digits=2 if money else None)


def column_widths(headers: list[str], cells: list[list[str]], total_cm: float = TEXT_WIDTH_CM) -> list[float]:
    """Widths (cm) that fill `total_cm`: the number columns as wide as their numbers and a header of at most two
    lines need, the label column as wide as its longest name (or half of it, two lines, when the table is full);
    what is left is shared out by need."""
    need = []
    for j, header in enumerate(headers):
        longest = max([_text_cm(r[j], TABLE_PT) for r in cells] or [0])
        # a number column's header may break once, before its unit: '出访' / '（人次）'
        lines = [header] if j == 0 else header.replace("（", "\n（").split("\n")
        head = max(_text_cm(line, TABLE_PT) for line in lines)
        need.append(max(longest, head, 1.0) + CELL_PADDING_CM)
    full, rest = need[0], sum(need[1:])
    if full + rest > total_cm:  # the names wrap to two lines before a number header wraps to three
        half = max([_text_cm(r[0], TABLE_PT) / 2 for r in cells] + [_text_cm(headers[0], TABLE_PT)]) + CELL_PADDING_CM
        need[0] = max(min(full, half), total_cm - rest)
    if need[0] + rest > total_cm:  # then squeeze the number columns, never below their numbers
        floor = [max(_text_cm(r[j], TABLE_PT) for r in cells) + CELL_PADDING_CM if cells else 1.2
                 for j in range(1, len(headers))]  # fmt: skip
        scale = max((total_cm - need[0] - sum(floor)) / max(rest - sum(floor), 1e-9), 0)
        need[1:] = [f + (n - f) * scale for f, n in zip(floor, need[1:], strict=True)]
    spare = total_cm - sum(need)
    return [n + spare * n / sum(need) for n in need] if spare > 0 else need


def _table(doc, number: int, t: Table) -> None:
    """表N above its table (kept with it); widths on the grid and every cell; the header row repeats on each page."""
    caption = _para(doc, f"表{number}　{t.title}", CAPTION_PT, font=CAPTION_FONT, style="Caption")
    caption.paragraph_format.keep_with_next = True
    headers = [str(c) for c in t.data.columns]
    cells = [[_cell_text(t, c, v, row) for c, v in row.items()] for _, row in t.data.iterrows()]
    widths = column_widths(headers, cells)
    table = doc.add_table(rows=1 + len(cells), cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl = table._tbl
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl.tblPr.append(layout)
    for col, w in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(round(w / 2.54 * 1440)))
    small = len(cells) <= 15  # a short table stays on one page; a long one breaks, repeating its header
    for i, row in enumerate(table.rows):
        row.height, row.height_rule = Cm(0.62), WD_ROW_HEIGHT_RULE.AT_LEAST
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if i == 0:
            tr_pr.append(OxmlElement("w:tblHeader"))
        texts = headers if i == 0 else cells[i - 1]
        for j, (cell, text, w) in enumerate(zip(row.cells, texts, widths, strict=True)):
            cell.width = Cm(w)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            p.paragraph_format.first_line_indent = Pt(0)
            p.paragraph_format.keep_with_next = i == 0 or (small and i < len(cells))
            if i == 0:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                head, unit_, tail = text.partition("（")
                wraps = j > 0 and unit_ and _text_cm(text, TABLE_PT) + CELL_PADDING_CM > w
                run = p.add_run(head)  # a header that wraps breaks before its unit, not inside it
                if wraps:
                    run.add_break()
                run.add_text(unit_ + tail)
                _fonts(run, HEADING_FONT, TABLE_PT)
                shade = OxmlElement("w:shd")
                shade.set(qn("w:val"), "clear")
                shade.set(qn("w:fill"), "EDEDED")
                cell._tc.get_or_add_tcPr().append(shade)
            else:
                if j > 0 and NUMBER.match(text):
                    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                elif headers[j] == "单位":
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _fonts(p.add_run(CONTROL.sub("", text)), BODY_FONT, TABLE_PT)
    if t.note:
        _note(doc, f"注：{t.note}")
    else:
        doc.add_paragraph().paragraph_format.space_after = Pt(4)


def _figure(doc, number: int, caption: str, figure, note: str) -> None:
    """The chart laid out at its placed width, 图N under it (the chart has no title of its own), its 口径 under that."""
    doc.add_picture(io.BytesIO(render.print_png(figure, FIGURE_WIDTH_CM)), width=Cm(FIGURE_WIDTH_CM))
    picture = doc.paragraphs[-1]
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.keep_with_next = True
    picture.paragraph_format.line_spacing = 1.0
    picture.paragraph_format.first_line_indent = Pt(0)
    p = _para(doc, f"图{number}　{caption}", CAPTION_PT, font=CAPTION_FONT, style="Caption")
    if note:
        p.paragraph_format.keep_with_next = True
        _note(doc, f"注：{note}。").alignment = WD_ALIGN_PARAGRAPH.CENTER


def _cover(doc, brief: Brief) -> None:
    title = [f"{brief.scope_name}国际科技合作与交流", f"统计分析简报（{brief.year}年度）"]
    if len(title[0]) > 15:  # a unit's long name gets a line of its own rather than a broken title
        title = [brief.scope_name, "国际科技合作与交流统计分析简报", f"（{brief.year}年度）"]
    for i, line in enumerate(title):
        p = _para(doc, line, 26, font=HEADING_FONT, center=True)
        if i == 0:
            p.paragraph_format.space_before = Cm(5 if len(title) == 2 else 4)
    p.paragraph_format.space_after = Cm(6 if len(title) == 2 else 5)
    lines = [f"范　　围：{brief.scope_full_name}" + ("（含全部下级单位）" if brief.aggregated else ""),
             f"统计年度：{brief.year}年1月1日—{brief.year}年12月31日"]  # fmt: skip
    if brief.compiler:
        lines.append(f"编制单位：{brief.compiler}")
    lines.append(f"编制日期：{brief.compiled_on.year}年{brief.compiled_on.month}月{brief.compiled_on.day}日")
    for line in lines:
        p = _para(doc, line, 16, center=True)
        p.paragraph_format.space_after = Pt(4)
    _para(doc, fmt.SOURCE, 12, center=True, color=GREY).paragraph_format.space_before = Cm(1)
    doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)


def docx_bytes(brief: Brief) -> bytes:
    """The Word brief: cover, then each section's heading, paragraphs, figures and tables in order, then the notes."""
    doc = Document()
    _styles(doc)
    _page(doc)
    doc.core_properties.title = CONTROL.sub("", f"{brief.scope_name}国际科技合作与交流统计分析简报（{brief.year}年度）")
    doc.core_properties.author = CONTROL.sub("", brief.compiler) or fmt.SOURCE.removeprefix("数据来源：")
    doc.core_properties.language = "zh-CN"
    _cover(doc, brief)
    figures = tables = 0
    for section in brief.sections:
        doc.add_heading(section.heading, level=1)
        for block in section.blocks:
            if isinstance(block, str):
                _para(doc, block, indent=True)
            elif block[0] == "figure":
                figures += 1
                _figure(doc, figures, *brief.figures[block[1]])
            else:
                tables += 1
                _table(doc, tables, brief.tables[block[1]])
    for i, note in enumerate(brief.notes, 1):
        _para(doc, f"{i}. {note}", TABLE_PT + 1.5).paragraph_format.line_spacing = 1.3
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def placed_width_cm(shape) -> float:
    """The width an inline image is placed at, in cm (for checks on the saved document)."""
    return Emu(shape.width).cm


def write_pack(brief: Brief, out_dir: Path) -> list[Path]:
    """Write <scope>_<year>_统计分析简报.docx and its tables .xlsx into out_dir; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{safe_filename(brief.scope_name)}_{brief.year}年度_国际科技合作统计分析简报"  # a name is never a path
    docx_path, xlsx_path = out_dir / f"{stem}.docx", out_dir / f"{stem}_表格.xlsx"
    docx_path.write_bytes(docx_bytes(brief))
    xlsx_path.write_bytes(xlsx_bytes(brief.tables, brief_meta(brief)))
    return [docx_path, xlsx_path]
