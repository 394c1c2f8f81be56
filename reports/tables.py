"""Tables for Excel and reports: CSV with a BOM, formatted XLSX with a sheet saying scope, filters and 口径."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ui.fmt import SOURCE

HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")


@dataclass
class Table:
    """A table to export: Chinese title, data with Chinese column names (units in brackets), notes."""

    title: str
    data: pd.DataFrame
    money_columns: list[str] = field(default_factory=list)
    note: str = ""


def csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese headers correctly."""
    return df.to_csv(index=False).encode("utf-8-sig")


def _sheet_name(title: str, used: set[str]) -> str:
    name = "".join(c for c in title if c not in "[]:*?/\\")[:28] or "表"
    base, i = name, 2
    while name in used:
        name, i = f"{base[:25]}_{i}", i + 1
    used.add(name)
    return name


def xlsx_bytes(tables: list[Table], meta: dict[str, str]) -> bytes:
    """A workbook: one formatted sheet per table (frozen header, number formats) and a 说明 sheet."""
    wb = Workbook()
    info = wb.active
    info.title = "说明"
    rows = [("数据来源", SOURCE.removeprefix("数据来源：")), *meta.items(), ("导出日期", f"{dt.date.today():%Y-%m-%d}")]
    for t in tables:
        if t.note:
            rows.append((f"口径：{t.title}", t.note))
    for r, (k, v) in enumerate(rows, 1):
        info.cell(r, 1, k).font = Font(bold=True)
        info.cell(r, 2, v).alignment = Alignment(wrap_text=True, vertical="top")
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 22, 90
    used: set[str] = {"说明"}
    for t in tables:
        ws = wb.create_sheet(_sheet_name(t.title, used))
        ws.append([t.title])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append(list(t.data.columns))
        for cell in ws[2]:
            cell.font, cell.fill = Font(bold=True), HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in t.data.itertuples(index=False):
            ws.append([None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row])
        for j, col in enumerate(t.data.columns, 1):
            letter = get_column_letter(j)
            longest = max([len(str(col)), *(len(str(v)) for v in t.data[col].head(200))])
            ws.column_dimensions[letter].width = max(8, min(48, longest * 2 + 2))  # CJK characters are wide
            values = pd.to_numeric(t.data[col], errors="coerce")
            if pd.api.types.is_numeric_dtype(t.data[col]):
                money = col in t.money_columns or "万元" in str(col)
                whole = not money and bool(values.dropna().eq(values.dropna().round()).all())
                number = "#,##0" if whole else "#,##0.00"  # "#,##0.##" would show a whole number as "438."
                for cell in ws[letter][2:]:
                    cell.number_format = number
        ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def figure_table(fig: go.Figure) -> pd.DataFrame:
    """The data behind a figure, one row per point: 类别, 系列, 数值（单位）."""
    unit = (fig.layout.meta or {}).get("unit", "") if isinstance(fig.layout.meta, dict) else ""
    rows = []
    for trace in fig.data:
        if trace.type == "choropleth":
            names = trace.text if trace.text is not None else trace.locations
            rows += [(n, trace.name or "", v) for n, v in zip(names, trace.z, strict=False)]
        elif trace.type in ("bar", "scatter"):
            horizontal = getattr(trace, "orientation", None) == "h"
            cats, vals = (trace.y, trace.x) if horizontal else (trace.x, trace.y)
            if cats is None or vals is None:
                continue
            rows += [(c, trace.name or "", v) for c, v in zip(cats, vals, strict=False)]
    df = pd.DataFrame(rows, columns=["类别", "系列", f"数值（{unit}）" if unit else "数值"])
    if df["系列"].eq("").all():
        df = df.drop(columns=["系列"])
    return df
