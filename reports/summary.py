"""汇总表（盖章版）: an account's rolled-up figures for a survey year, as a print-ready 统计报表 (PDF) and its
Excel twin, with the form's furniture (表号, 制定机关, 批准文号, 有效期至 from data/survey.toml [form]), the funding
reconciliation, notes, signature lines and a stamp box.

Every name and other submitted text is escaped before it reaches a ReportLab Paragraph, whose mini-markup would
otherwise turn `<a href>` into a link and `<img src>` into an embedded server file (or a crash).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
from reportlab.lib import colors, textsplit
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus import paragraph as rl_paragraph

import queries
from etl import config
from present import fmt
from present.labels import label, unit

from .tables import CONTROL, safe_filename, xlsx_bytes
from .tables import Table as XTable

FONT_FILE = Path(__file__).resolve().parent.parent / "data" / "fonts" / "wqy-microhei.ttc"
SECTIONS = {
    "人员交流": ["out_groups", "out_person_times", "out_pt_long_term", "in_groups", "in_person_times",
                 "n_partner_countries_exchange", "n_partner_hmt_exchange"],
    "会议": ["conf_hosted", "conf_participants"],
    "合作项目": ["proj_active_distinct", "proj_active", "proj_new", "proj_completed", "proj_led"],
    "经费投入": [],  # the funding block is built by _funding_rows: it reconciles on the form
    "机构与协议": ["inst_joint_total", "inst_bri_joint_lab", "agr_signed_year", "agr_in_force"],
    "成效与成果": ["papers_coauthored", "patents_joint", "patents_pct", "tech_import_items", "tech_export_items",
                   "tt_contracts", "tt_contract_value", "joint_training", "experts_introduced"],
    "重点工作监测": ["std_total", "std_led", "bsp_count", "bsp_led", "org_joined", "org_positions",
                     "foreign_fulltime", "young_foreign_scientists", "returnees_year", "n_units_with_policy"],
}  # fmt: skip
LABELS = {
    "proj_active": "在研国际合作项目数（按填报单位累计）",
    "proj_active_distinct": "在研国际合作项目数（按项目编号去重）",
}
# 避头尾: ReportLab's characters that may not start a line (its CJK wrapping hangs them in the margin instead)
# come from Japanese typesetting and lack Chinese full-width punctuation such as ，；：？！ and closing quotes.
NO_LINE_START = "，；：？！”’》〉…"
for _module in (textsplit, rl_paragraph):
    _module.ALL_CANNOT_START += "".join(c for c in NO_LINE_START if c not in _module.ALL_CANNOT_START)
GOVERNMENT = ("central", "provincial", "municipal")  # the sources §14 may exclude (备查)
NON_GOVERNMENT = ("county", "unit_self", "domestic_other", "foreign")  # always counted where reported
FORM_FIELDS = {"table_no": "表　　号", "authority": "制定机关", "approval_no": "批准文号", "valid_until": "有效期至"}
SIGNATURES = ["单位负责人：", "统计负责人：", "填表人：", "报出日期：　　　年　　　月　　　日"]
BLANK = "＿＿＿＿＿＿＿"


@dataclass
class Summary:
    """Everything the 汇总表 prints: the 综合机关, the header facts, one row per indicator, notes and furniture."""

    account_id: str
    name: str  # 综合机关名称: the account's full name, never its id
    short: str
    year: int
    facts: dict[str, str]
    table: pd.DataFrame  # 类别, 指标, 单位, 数值
    notes: list[str]
    form: dict[str, str] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        """The file name without extension: the short name (made safe), the year, the form's name."""
        return f"{safe_filename(self.short)}_{self.year}年度_汇总表"


def _funding_rows(total: pd.Series, children: pd.DataFrame, aggregated: bool) -> tuple[list[tuple], dict]:
    """The 经费投入 rows, reconciling on the form: 计入统计 = 下级合计 + 本级出资, and
    经费合计（备查） − 不计入统计的财政资金 = 计入统计. Returns (rows, the amounts the footnote quotes)."""
    reportable = float(total["fund_reportable"])
    below = float(children["fund_reportable"].sum()) if not children.empty else 0.0
    own = reportable - below
    gov = sum(float(total[f"fund_src_{k}"]) for k in GOVERNMENT)
    counted_gov = reportable - sum(float(total[f"fund_src_{k}"]) for k in NON_GOVERNMENT)
    excluded = float(total["fund_total_all"]) - reportable
    name = "国际科技合作经费投入（计入统计）" if aggregated else label("fund_reportable")
    rows = [(name, reportable)]
    if aggregated:
        rows += [("　其中：下级合计", below), ("　　　　本级出资", own)]  # leading 　 = indent on the form
    rows += [(label(k), float(total[k])) for k in ("fund_on_exchange", "fund_on_projects", "fund_on_platforms")]
    rows += [(label("fund_total_all"), float(total["fund_total_all"]))]
    rows += [(f"　其中：{label(f'fund_src_{k}')}（备查）", float(total[f"fund_src_{k}"])) for k in GOVERNMENT]
    rows += [("　　上述财政资金中计入统计的部分", counted_gov), ("　　上述财政资金中不计入统计的部分", excluded)]
    amounts = {"reportable": reportable, "below": below, "own": own, "all": float(total["fund_total_all"]),
               "gov": gov, "counted_gov": counted_gov, "excluded": excluded}  # fmt: skip
    return [("经费投入", text, "万元", value) for text, value in rows], amounts


def _funding_note(a: dict, aggregated: bool) -> str:
    """The footnote: the reconciliation in numbers, and which 备查 amounts are counted (at the funder)."""
    m = lambda v: f"{v:,.2f}"  # noqa: E731
    parts = []
    if aggregated:
        parts.append(f"计入统计 = 下级合计 + 本级出资（{m(a['reportable'])} = {m(a['below'])} + {m(a['own'])} 万元）。")
    parts.append(
        "（备查）各项为收到的财政资金，不能与计入统计经费相加：中央、省级、市级财政资金只在出资部门计入一次——"
        "省级科技厅、市（地）科技局本级填报的本级财政资金计入统计，下级单位收到的上级财政资金不计入；"
        "未要求剔除市级资金地区的单位，其市级资金计入统计。"
        f"本表财政资金 {m(a['gov'])} 万元中计入统计 {m(a['counted_gov'])} 万元、不计入 {m(a['excluded'])} 万元；"
        f"经费合计 − 不计入统计部分 = 计入统计（{m(a['all'])} − {m(a['excluded'])} = {m(a['reportable'])} 万元）。"
    )
    return "".join(parts)


def build(con, account_id: str, year: int, basis: str = "finished") -> Summary:
    """The 汇总表 of `account_id`'s subtree in `year` (finished or approved basis)."""
    info = queries.scope_info(con, account_id)
    if info.empty:
        raise ValueError(f"账号不存在：{account_id}")
    name, short = str(info.iloc[0]["name"]), str(info.iloc[0]["name_short"])
    roll = queries.rollup_by_year(con, account_id, year, year, basis, "ALL")
    if roll.empty:
        raise ValueError(f"{name}在 {year} 年度没有已提交的填报数据")
    r = roll.iloc[0]
    children = queries.rollup_of_children_by_year(con, account_id, year, year, basis, "ALL", ["fund_reportable"])
    aggregated = not queries.scope_children(con, account_id).empty
    filling = queries.filling_summary_by_year(con, account_id, year, year, "ALL").iloc[0]

    def text(k: str) -> str:
        t = LABELS.get(k) or label(k)
        return t.replace("本单位", "") if aggregated else t  # at an aggregated scope it is not one unit's figure

    rows: list[tuple] = []
    for section, keys in SECTIONS.items():
        if section == "经费投入":
            funding, amounts = _funding_rows(r, children, aggregated)
            rows += funding
        rows += [(section, text(k), unit(k), r[k]) for k in keys]
    table = pd.DataFrame(rows, columns=["类别", "指标", "单位", "数值"])
    basis_zh = "已提交+已审核" if basis == "finished" else "仅已审核"
    facts = {
        "综合机关名称": name,
        "统计年度": f"{year}年度（{year}年1月1日—12月31日）",
        "汇总范围": f"本级及全部下级：应报 {int(filling.n_expected):,} 个，已报 {int(filling.n_finished):,} 个，"
        f"其中已审核 {int(filling.n_approved):,} 个",
        "口径": basis_zh,
    }
    notes = [
        "数据由本级与下级填报逐级汇总，各级只填报本单位数据，不重复填报。",
        _funding_note(amounts, aggregated),
        "港澳台单列，不计入合作国家数；项目数按项目编号去重，另列按填报单位累计数。",
        "数据为已提交和已审核的填报，未审核的数据以后可能修改。" if basis == "finished" else "只含已审核的填报。",
    ]
    return Summary(account_id, name, short, year, facts, table, notes, dict(config.load().form))


# --- PDF --------------------------------------------------------------------------------------------------
@cache
def _font() -> str:
    pdfmetrics.registerFont(TTFont("WQY", str(FONT_FILE), subfontIndex=0))
    return "WQY"


@cache
def _glyphs() -> frozenset[int]:
    return frozenset(pdfmetrics.getFont(_font()).face.charToGlyph)


def printable(text: object) -> str:
    """Data text as the PDF can print it: control characters dropped, a character the shipped font lacks (an
    emoji) shown as 〓, the typesetter's mark for a missing glyph, instead of an invisible blank."""
    text = CONTROL.sub("", str(text))
    return "".join(c if ord(c) in _glyphs() or c in "\n\t " else "〓" for c in text)


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of data: escaped, so a name is printed as written, never read as ReportLab markup.
    Leading ideographic spaces (which a Paragraph would collapse) become a left indent of one character each."""
    text = printable(text)
    indent = len(text) - len(text.lstrip("　"))
    if indent:
        style = ParagraphStyle(f"{style.name}_{indent}", parent=style, leftIndent=indent * style.fontSize)
    return Paragraph(escape(text.lstrip("　")).replace("\n", "<br/>"), style)


class BoldParagraph(Paragraph):
    """A Paragraph drawn bold although the CJK font has no bold face: glyphs are filled and stroked (PDF text
    render mode 2, stroke 3.5 % of the font size), the usual fake bold of Chinese typesetting."""

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setLineWidth(self.style.fontSize * 0.035)
        c.setStrokeColor(self.style.textColor)
        c._code.append("2 Tr")  # graphics state: every text object drawn until restoreState fills and strokes
        super().draw()
        c.restoreState()


def _bold(text: object, style: ParagraphStyle) -> BoldParagraph:
    return BoldParagraph(escape(str(text)), style)


class StampBox(Flowable):
    """A 45 mm dashed square where the unit's seal goes, labelled （单位盖章）."""

    def __init__(self, size: float = 45 * mm) -> None:
        super().__init__()
        self.width = self.height = size

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setDash(3, 2)
        c.setStrokeColor(colors.HexColor("#888888"))
        c.rect(0, 0, self.width, self.height)
        c.setFont(_font(), 10.5)
        c.setFillColor(colors.HexColor("#666666"))
        c.drawCentredString(self.width / 2, self.height / 2 - 4, "（单位盖章）")
        c.restoreState()


def _numbered_canvas(footer: str):
    """A canvas class that prints `第 X 页 共 Y 页` and the source line on every page (Y known after layout)."""

    class Numbered(Canvas):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(_font(), 8)
                self.setFillColor(colors.HexColor("#444444"))
                self.drawString(18 * mm, 9 * mm, footer)
                self.drawRightString(A4[0] - 18 * mm, 9 * mm, f"第 {self._pageNumber} 页 共 {len(self._pages)} 页")
                super().showPage()
            super().save()

    return Numbered


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    base = {"fontName": font, "wordWrap": "CJK"}  # CJK line breaking keeps ，。）etc. off the start of a line
    return {
        "title": ParagraphStyle("title", fontSize=17, leading=24, alignment=1, **base),
        "sub": ParagraphStyle("sub", fontSize=11, leading=16, alignment=1, **base),
        "body": ParagraphStyle("body", fontSize=9.5, leading=13, **base),
        "head": ParagraphStyle("head", fontSize=9.5, leading=13, alignment=1, **base),
        "cat": ParagraphStyle("cat", fontSize=9.5, leading=13, alignment=1, **base),
        "small": ParagraphStyle("small", fontSize=8.5, leading=12, textColor=colors.HexColor("#333333"), **base),
        "sign": ParagraphStyle("sign", fontSize=10.5, leading=14, **base),
    }


def _header(s: Summary, st: dict) -> Table:
    """综合机关 and facts on the left, the form's furniture (表号 …) on the right."""
    left = [[_bold(f"{k}：", st["body"]), _p(v, st["body"])] for k, v in s.facts.items()]
    right = [[_p(f"{zh}：{s.form.get(key) or BLANK}", st["body"])] for key, zh in FORM_FIELDS.items()]
    facts = Table(left, colWidths=[28 * mm, 92 * mm])  # 4 mm clear of the furniture column
    furniture = Table(right, colWidths=[50 * mm])
    for t in (facts, furniture):
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))  # fmt: skip
    outer = Table([[facts, furniture]], colWidths=[124 * mm, 50 * mm])
    outer.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return outer


def _grid(s: Summary, st: dict) -> Table:
    """The indicators: 类别 (merged over its rows), 指标, 计量单位, 行次, 数值."""
    data = [[_bold(h, st["head"]) for h in ("类别", "指标名称", "计量单位", "行次", "数值")]]
    for i, r in enumerate(s.table.itertuples(), 1):
        value = fmt.number(r.数值, digits=2 if r.单位 == "万元" else 0)
        data.append([_p(r.类别, st["cat"]), _p(r.指标, st["body"]), r.单位, str(i), value])
    style = [
        ("FONTNAME", (0, 0), (-1, -1), _font()), ("FONTSIZE", (0, 0), (-1, -1), 9.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE7F3")), ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("ALIGN", (2, 1), (3, -1), "CENTER"), ("ALIGN", (4, 1), (4, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]  # fmt: skip
    cats = list(s.table["类别"])
    start = 0
    for i in range(1, len(cats) + 1):
        if i == len(cats) or cats[i] != cats[start]:
            if i - start > 1:
                style.append(("SPAN", (0, start + 1), (0, i)))
            start = i
    grid = Table(data, colWidths=[27 * mm, 87 * mm, 18 * mm, 12 * mm, 30 * mm], repeatRows=1)
    grid.setStyle(TableStyle(style))
    return grid


def _signatures(st: dict) -> Table:
    """Signature lines (单位负责人、统计负责人、填表人、报出日期) beside a 45 mm stamp box."""
    rows = [[_p(t, st["sign"]), "", StampBox() if i == 0 else ""] for i, t in enumerate(SIGNATURES[:3])]
    rows.append([_p("报出日期：", st["sign"]), "年　　　月　　　日", ""])
    sign = Table(rows, colWidths=[28 * mm, 62 * mm, 84 * mm], rowHeights=[12 * mm] * 4)
    sign.setStyle(TableStyle([
        ("SPAN", (2, 0), (2, 3)), ("VALIGN", (0, 0), (1, -1), "BOTTOM"), ("VALIGN", (2, 0), (2, 3), "MIDDLE"),
        ("ALIGN", (2, 0), (2, 3), "RIGHT"), ("ALIGN", (1, 3), (1, 3), "RIGHT"), ("LINEBELOW", (1, 0), (1, -1), 0.6, colors.black),
        ("FONTNAME", (0, 0), (-1, -1), _font()), ("FONTSIZE", (0, 0), (-1, -1), 10.5),
    ]))  # fmt: skip
    return sign


def pdf_bytes(s: Summary) -> bytes:
    """The print-ready form: title, furniture and facts, indicators, notes, signatures and stamp box; every
    page numbered `第 X 页 共 Y 页` with the source line in the footer (clear of the stamp)."""
    st = _styles()
    story = [_bold("国际科技合作与交流统计调查汇总表", st["title"]), _p(f"（{s.year}年度）", st["sub"]),
             Spacer(1, 4 * mm), _header(s, st), Spacer(1, 3 * mm), _grid(s, st), Spacer(1, 3 * mm)]  # fmt: skip
    notes = [_bold("说明：", st["small"])] + [_p(f"{i}. {n}", st["small"]) for i, n in enumerate(s.notes, 1)]
    story += [KeepTogether([*notes, Spacer(1, 6 * mm), _signatures(st)])]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=15 * mm,
                            bottomMargin=18 * mm, title=f"{s.name} {s.year}年度汇总表",
                            author="国际科技合作统计分析平台")  # fmt: skip
    doc.build(story, canvasmaker=_numbered_canvas(f"{fmt.SOURCE}　导出日期 {dt.date.today():%Y-%m-%d}"))
    return buf.getvalue()


# --- Excel ------------------------------------------------------------------------------------------------
def xlsx(s: Summary) -> bytes:
    """The Excel twin: the same furniture, facts, rows (类别 merged, formats per row's unit), notes, signatures."""
    furniture = "　".join(f"{zh}：{s.form.get(key) or '＿＿＿＿'}" for key, zh in FORM_FIELDS.items())
    data = s.table.assign(行次=range(1, len(s.table) + 1))[["类别", "指标", "单位", "行次", "数值"]]
    line = "＿" * 8
    sign = [[f"{t}{line}", ""] for t in SIGNATURES[:3]] + [[SIGNATURES[3], ""]]
    sheet = XTable(
        f"国际科技合作与交流统计调查汇总表（{s.year}年度）", data.rename(columns={"指标": "指标名称", "单位": "计量单位"}),
        before=[furniture, *(f"{k}：{v}" for k, v in s.facts.items())],
        after=["说明：", *(f"{i}. {n}" for i, n in enumerate(s.notes, 1))], sign=sign, stamp="（单位盖章）", merge=["类别"],
        widths={"类别": 12, "指标名称": 46, "计量单位": 9, "行次": 6, "数值": 16}, unit_column="计量单位",
    )  # fmt: skip
    meta = {**s.facts, **{zh.replace("　", ""): s.form.get(key, "") for key, zh in FORM_FIELDS.items()}}
    return xlsx_bytes([sheet], meta)


def write_summary(con, account_id: str, year: int, out_dir: Path, basis: str = "finished") -> list[Path]:
    """Write the 汇总表 PDF and XLSX for an account and year into `out_dir`; returns both paths."""
    s = build(con, account_id, year, basis)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf, book = out_dir / f"{s.stem}.pdf", out_dir / f"{s.stem}.xlsx"
    pdf.write_bytes(pdf_bytes(s))
    book.write_bytes(xlsx(s))
    return [pdf, book]
