"""汇总表（盖章版）: an account's rolled-up figures for a survey year, as a print-ready PDF and an .xlsx."""

from __future__ import annotations

import datetime as dt
import io
from functools import cache
from pathlib import Path

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

import queries
from ui import fmt
from ui.labels import label, unit

from .tables import Table as XTable
from .tables import xlsx_bytes

FONT_FILE = Path(__file__).resolve().parent.parent / "data" / "fonts" / "wqy-microhei.ttc"
SECTIONS = {
    "人员交流": ["out_groups", "out_person_times", "out_pt_long_term", "in_groups", "in_person_times",
                 "n_partner_countries_exchange", "n_partner_hmt_exchange"],
    "会议": ["conf_hosted", "conf_participants"],
    "合作项目": ["proj_active_distinct", "proj_active", "proj_new", "proj_completed", "proj_led"],
    "经费投入": ["fund_reportable", "fund_on_exchange", "fund_on_projects", "fund_on_platforms", "fund_total_all",
                 "fund_src_central", "fund_src_provincial", "fund_src_municipal"],
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
MEMO = {"fund_total_all", "fund_src_central", "fund_src_provincial", "fund_src_municipal"}


@cache
def _font() -> str:
    pdfmetrics.registerFont(TTFont("WQY", str(FONT_FILE), subfontIndex=0))
    return "WQY"


def summary_table(con, account_id: str, year: int, basis: str = "finished") -> tuple[dict, pd.DataFrame]:
    """(header facts, one row per indicator: 类别, 指标, 单位, 数值) for the account's subtree in `year`."""
    info = queries.scope_info(con, account_id)
    if info.empty:
        raise ValueError(f"账号不存在：{account_id}")
    roll = queries.rollup_by_year(con, account_id, year, year, basis, "ALL")
    if roll.empty:
        raise ValueError(f"{info.iloc[0]['name']}在 {year} 年度没有已提交的填报数据")
    r = roll.iloc[0]
    filling = queries.filling_summary_by_year(con, account_id, year, year, "ALL").iloc[0]
    rows = [(section, LABELS.get(k) or label(k) + ("（备查）" if k in MEMO and "备查" not in label(k) else ""), unit(k), r[k])
            for section, keys in SECTIONS.items() for k in keys]  # fmt: skip
    facts = {
        "填报账号": f"{info.iloc[0]['name']}（{account_id}）",
        "统计年度": f"{year}年度（{year}年1月1日—12月31日）",
        "汇总范围": f"本级及全部下级：应报 {int(filling.n_expected)} 个账号，已报 {int(filling.n_finished)} 个，"
        f"已审核 {int(filling.n_approved)} 个",
        "口径": "已提交+已审核" if basis == "finished" else "仅已审核",
    }
    return facts, pd.DataFrame(rows, columns=["类别", "指标", "单位", "数值"])


def pdf_bytes(facts: dict, table: pd.DataFrame, year: int) -> bytes:
    """The print-ready table: title, header facts, indicators, notes and the signature/stamp block."""
    font = _font()
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=22, alignment=1)
    body = ParagraphStyle("b", fontName=font, fontSize=9.5, leading=13)
    small = ParagraphStyle("s", fontName=font, fontSize=8, leading=11, textColor=colors.HexColor("#444444"))
    story = [Paragraph(f"国际科技合作与交流统计调查汇总表（{year}年度）", title), Spacer(1, 5 * mm)]
    story += [Paragraph(f"<b>{k}：</b>{v}", body) for k, v in facts.items()]
    story.append(Spacer(1, 3 * mm))
    data = [["类别", "指标", "单位", "数值"]]
    data += [[r.类别, Paragraph(r.指标, body), r.单位, fmt.number(r.数值, digits=2 if r.单位 == "万元" else 0)]
             for r in table.itertuples()]  # fmt: skip
    grid = Table(data, colWidths=[28 * mm, 92 * mm, 16 * mm, 34 * mm], repeatRows=1)
    grid.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE7F3")), ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("ALIGN", (3, 1), (3, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))  # fmt: skip
    story += [grid, Spacer(1, 3 * mm)]
    story.append(Paragraph("说明：数据由本级与下级填报逐级汇总；“（备查）”各项含中央、省级、市级财政资金，不计入统计，"
                           "不能相加作为合计；港澳台单列，不计入国家数；项目数按项目编号去重。", small))  # fmt: skip
    story.append(Spacer(1, 10 * mm))
    sign = Table([["单位负责人：", "统计负责人：", "填表人："], ["联系电话：", "报出日期：　　年　　月　　日", "（单位盖章）"]],
                 colWidths=[56 * mm, 62 * mm, 52 * mm], rowHeights=[12 * mm, 12 * mm])  # fmt: skip
    sign.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 10.5)]))
    story.append(sign)
    story.append(Paragraph(f"{fmt.SOURCE}　导出日期 {dt.date.today():%Y-%m-%d}", small))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                      bottomMargin=16 * mm, title=f"汇总表 {year}", author="国际科技合作统计分析平台").build(story)  # fmt: skip
    return buf.getvalue()


def write_summary(con, account_id: str, year: int, out_dir: Path, basis: str = "finished") -> list[Path]:
    """Write 汇总表 PDF and XLSX for an account and year; returns both paths."""
    facts, table = summary_table(con, account_id, year, basis)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{account_id}_{year}年度_汇总表"
    pdf, xlsx = out_dir / f"{stem}.pdf", out_dir / f"{stem}.xlsx"
    pdf.write_bytes(pdf_bytes(facts, table, year))
    xlsx.write_bytes(xlsx_bytes([XTable(f"{year}年度汇总表", table)], facts))
    return [pdf, xlsx]
