"""Tables for Excel and reports: CSV with a BOM, formatted XLSX with a sheet saying scope, filters and 口径.

Every text cell written here is data, never a formula: names come from outside (the registry, the units' own
forms), and a name such as `=HYPERLINK(…)` or `+cmd|' /C calc'!A0` must open as text in Excel and WPS.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from present import fmt

HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
THIN = Side(style="thin", color="888888")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# OWASP (CSV injection): a cell starting with one of these is read as a formula by Excel, WPS and LibreOffice.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain signed number ("-12", "+37.0%") computes nothing but itself: it stays as written.
_NUMBER_TEXT = re.compile(r"[+-]?\d[\d,]*(\.\d+)?%?")
# Characters XML 1.0 forbids (openpyxl raises IllegalCharacterError on them); tab, newline and CR are allowed.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PERCENT_TEXT = re.compile(r"([+-]?\d+(?:\.\d+)?)%")
# Integer formats for the survey's count units; money (万元) has two decimals.
COUNT_UNITS = {"人次", "人", "项", "个", "篇", "件", "次", "家", "天", "人天", "名"}
MONEY_UNITS = {"万元", "元", "亿元"}
YEAR_COLUMNS = {"年度", "统计年度", "年份", "survey_year", "行次", "序号"}  # whole numbers printed as written
SIGNED_PERCENT = '+0.0%;-0.0%;"持平"'
BEIJING = dt.timezone(dt.timedelta(hours=8))
FILENAME_BAD = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


@dataclass
class Table:
    """A table to export: Chinese title, data with Chinese column names (units in brackets), notes.

    `before` lines sit between the title and the header (e.g. the 汇总表's header facts), `after` lines below the
    data (notes), `sign` rows below those (signature lines; a text followed by "" cells is merged over them);
    `merge` columns have equal neighbouring cells merged (类别). The `unit_column` (if present) gives each row its
    own number format, for tables whose units differ by row.
    """

    title: str
    data: pd.DataFrame
    money_columns: list[str] = field(default_factory=list)
    note: str = ""
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    sign: list[list[str]] = field(default_factory=list)
    stamp: str = ""  # e.g. （单位盖章）: a dashed box over the last two columns beside the signature rows
    merge: list[str] = field(default_factory=list)
    widths: dict[str, float] = field(default_factory=dict)
    unit_column: str = "单位"


# --- cells that are text, never formulas -------------------------------------------------------------------
def safe_text(text: str) -> str:
    """A string as spreadsheet text: XML-illegal control characters dropped, a leading formula character
    neutralised with OWASP's `'` prefix (the name stays readable and can never compute or link)."""
    text = CONTROL.sub("", text)
    if text.startswith(FORMULA_START) and not _NUMBER_TEXT.fullmatch(text):
        return "'" + text
    return text


def safe_value(value: object) -> object:
    """A cell value for CSV or xlsx: strings through `safe_text`, NumPy scalars as Python numbers, NaN as blank.
    Numbers (negative ones too) stay numbers."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:  # Excel has no time zones: Beijing time
        return value.astimezone(BEIJING).replace(tzinfo=None)
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` whose headers and text cells are safe for a spreadsheet (numbers untouched)."""
    out = df.rename(columns=lambda c: safe_text(str(c)))
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(lambda v: safe_text(v) if isinstance(v, str) else v)
    return out


def safe_filename(name: object, limit: int = 60) -> str:
    """A name made fit for one file name: no path separators, no `..`, no control or reserved characters,
    at most `limit` characters; a file built from it always stays inside its output folder."""
    text = FILENAME_BAD.sub("_", str(name or "")).replace("..", "_")
    text = text.strip(" ._-")[:limit].strip(" ._-")  # a leading "-" reads as an option to a shell command
    return text or "未命名"


def csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese headers correctly; text cells never formulas.
    Lines end in CRLF (RFC 4180), so a value holding a CR or LF is quoted and cannot split its row. Numbers are
    written by `fmt.data_number`: pandas wrote a float column's whole values as `530.0`."""
    out = safe_frame(df)
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(fmt.data_number)
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def put(ws: Worksheet, row: int, col: int, value: object):
    """Write one cell; text gets an explicit string type (openpyxl would store `=…` as a live formula)."""
    cell = ws.cell(row, col)
    cell.value = safe_value(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


# --- number formats -----------------------------------------------------------------------------------------
def unit_of(column: object) -> str:
    """The unit in a column name's brackets: `出访（人次）` → 人次."""
    m = re.search(r"（([^（）]+)）$", str(column))
    return m.group(1) if m else ""


def number_format(unit: str, values: pd.Series | None = None) -> str:
    """The Excel format of a figure in `unit`: counts without decimals, money with two."""
    if unit in MONEY_UNITS:
        return "#,##0.00"
    if unit in COUNT_UNITS:
        return "#,##0"
    if unit in ("%", "％"):
        return "0.0%"
    whole = values is None or bool(values.dropna().eq(values.dropna().round()).all())
    return "#,##0" if whole else "#,##0.00"  # "#,##0.##" would show a whole number as "438."


def _percent_column(s: pd.Series) -> pd.Series | None:
    """A column of `+37.0%` strings as fractions, or None when it is not one; `持平` is 0 and words such as `—` or
    `—（基数过小）` (no percentage) stay as they are."""
    if pd.api.types.is_numeric_dtype(s):
        return None
    texts = s.dropna().astype(str)
    filled = texts[~(texts.isin(["", "-", "持平"]) | texts.str.startswith("—"))]
    if filled.empty or not filled.map(lambda t: bool(_PERCENT_TEXT.fullmatch(t))).all():
        return None

    def fraction(v: object) -> object:
        if isinstance(v, str) and (m := _PERCENT_TEXT.fullmatch(v)):
            return float(m.group(1)) / 100
        return 0.0 if v == "持平" else v

    return s.map(fraction)


def _width(text: object) -> int:
    """Display width in Excel character units: a CJK character is two."""
    return sum(2 if ord(c) > 0x2E80 else 1 for c in str(text))


def _lines(text: object, width: float) -> int:
    """How many lines `text` wraps to in a cell `width` characters wide."""
    return sum(max(1, math.ceil(_width(part) / max(width - 1, 1))) for part in str(text).split("\n"))


def _print_setup(ws: Worksheet, widths: list[float], title_rows: str | None, *, tall: int = 0) -> None:
    """A4, landscape when the columns are wider than a portrait page, fit to one page wide (and `tall` pages
    high, 0 = as many as needed), page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if sum(widths) > 120 else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, tall
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.6
    ws.page_margins.top, ws.page_margins.bottom = 0.7, 0.8
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.oddFooter.center.size = 9


def _info_sheet(ws: Worksheet, rows: list[tuple[str, str]]) -> None:
    """The 说明 sheet: one row per fact, tall enough for its wrapped text."""
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 22, 90
    for r, (k, v) in enumerate(rows, 1):
        key = put(ws, r, 1, k)
        key.font, key.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")
        put(ws, r, 2, v).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[r].height = 15 * max(_lines(v, 90), _lines(k, 22)) + 3
    _print_setup(ws, [22, 90], None)


def _data_sheet(ws: Worksheet, t: Table) -> None:
    """One table: title, lines before, header, rows with per-column or per-row number formats, notes, signatures."""
    data = t.data.reset_index(drop=True)
    columns = list(data.columns)
    ncol = max(len(columns), 1)
    last = get_column_letter(ncol)
    widths = []
    for j, col in enumerate(columns, 1):
        longest = max([_width(col), *(_width(v) for v in data[col].head(200))])
        widths.append(t.widths.get(col, max(8, min(48, longest + 2))))
        ws.column_dimensions[get_column_letter(j)].width = widths[-1]
    full = sum(widths)

    def line(row: int, text: str, size: float = 11, **font) -> None:
        put(ws, row, 1, text).font = Font(size=size, **font)
        ws.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
        if ncol > 1:
            ws.merge_cells(f"A{row}:{last}{row}")
        ws.row_dimensions[row].height = (size + 4) * _lines(text, full * 12 / size) + 3  # merged: Excel won't fit it

    line(1, t.title, bold=True, size=13)
    ws.row_dimensions[1].height = 22
    for i, text in enumerate(t.before, 2):
        line(i, text)
    head = 2 + len(t.before)
    for j, col in enumerate(columns, 1):
        cell = put(ws, head, j, col)
        cell.font, cell.fill, cell.border = Font(bold=True), HEADER_FILL, GRID
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")

    formats: dict[str, str] = {}
    for col in columns:
        if str(col) in YEAR_COLUMNS:
            formats[col] = "0"
        elif (pct := _percent_column(data[col])) is not None:
            data[col] = pct
            formats[col] = SIGNED_PERCENT if "同比" in str(col) or "增" in str(col) else "0.0%"
        elif pd.api.types.is_numeric_dtype(data[col]):
            unit = "万元" if col in t.money_columns else unit_of(col)
            formats[col] = number_format(unit, pd.to_numeric(data[col], errors="coerce"))
    row_units = data[t.unit_column] if t.unit_column in data.columns else None

    def cell_format(col: object, i: int, value: object) -> str:
        known = formats.get(col, "General")
        if known in ("0", SIGNED_PERCENT, "0.0%") or col in t.money_columns or row_units is None:
            return known
        return number_format(str(row_units.iloc[i] or ""), pd.Series([value]))  # units differ by row

    for i, row in enumerate(data.itertuples(index=False)):
        r = head + 1 + i
        for j, (col, value) in enumerate(zip(columns, row, strict=True), 1):
            cell = put(ws, r, j, value)
            cell.border = GRID
            if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                cell.number_format = cell_format(col, i, cell.value)
                cell.alignment = Alignment(horizontal="right", vertical="center")
            else:
                cell.alignment = Alignment(wrap_text=True, vertical="center")
    for col in t.merge:
        _merge_runs(ws, columns.index(col) + 1, data[col], head + 1)

    r = head + len(data) + 2
    for text in t.after:
        line(r, text, size=9)
        r += 1
    first_sign = r + 1
    for sign_row in t.sign:
        r += 1
        for j, text in enumerate(sign_row, 1):
            if text:
                put(ws, r, j, text).alignment = Alignment(vertical="bottom")
                span = next((k for k in range(j, len(sign_row)) if sign_row[k]), len(sign_row))
                if span > j:
                    ws.merge_cells(start_row=r, start_column=j, end_row=r, end_column=span)
        ws.row_dimensions[r].height = 32  # four rows ≈ 45 mm: the height of the stamp box
    if t.stamp and t.sign and ncol >= 3:
        _stamp(ws, t.stamp, first_sign, r, ncol - 1, ncol)
    ws.freeze_panes = f"A{head + 1}"
    # The header row repeats on every printed page; a form with signature lines is one sheet of paper.
    _print_setup(ws, widths, f"{head}:{head}", tall=1 if t.sign else 0)


def _stamp(ws: Worksheet, text: str, top: int, bottom: int, left: int, right: int) -> None:
    """A dashed box where the seal goes (about 45 mm square at the 汇总表's column widths), labelled `text`."""
    dashed = Side(style="dashed", color="888888")
    for r in range(top, bottom + 1):
        for c in range(left, right + 1):
            ws.cell(r, c).border = Border(left=dashed if c == left else None, right=dashed if c == right else None,
                                          top=dashed if r == top else None, bottom=dashed if r == bottom else None)  # fmt: skip
    put(ws, top, left, text).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=top, start_column=left, end_row=bottom, end_column=right)


def _merge_runs(ws: Worksheet, col: int, values: pd.Series, first_row: int) -> None:
    """Merge each run of equal neighbouring cells in one column (a category spanning its rows)."""
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values.iloc[i] != values.iloc[start]:
            if i - start > 1:
                ws.merge_cells(start_row=first_row + start, start_column=col, end_row=first_row + i - 1,
                               end_column=col)  # fmt: skip
                ws.cell(first_row + start, col).alignment = Alignment(wrap_text=True, vertical="center",
                                                                      horizontal="center")  # fmt: skip
            start = i


def _sheet_name(title: str, used: set[str]) -> str:
    name = "".join(c for c in safe_text(title) if c not in "[]:*?/\\'")[:28] or "表"
    base, i = name, 2
    while name in used:
        name, i = f"{base[:25]}_{i}", i + 1
    used.add(name)
    return name


def xlsx_bytes(tables: list[Table], meta: dict[str, str]) -> bytes:
    """A workbook: a 说明 sheet, then one formatted, print-ready sheet per table (frozen header, number formats
    per unit, A4 page setup with repeated header rows)."""
    wb = Workbook()
    info = wb.active
    info.title = "说明"
    rows = [
        ("数据来源", fmt.SOURCE.removeprefix("数据来源：")),
        *meta.items(),
        ("导出日期", f"{dt.date.today():%Y-%m-%d}"),
    ]
    rows += [(f"口径：{t.title}", t.note) for t in tables if t.note]
    _info_sheet(info, rows)
    used: set[str] = {"说明"}
    for t in tables:
        _data_sheet(wb.create_sheet(_sheet_name(t.title, used)), t)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def brief_meta(brief) -> dict[str, str]:
    """The 说明 sheet of a report pack's tables (a `reports.content.Brief`): scope, year, completeness, 口径 —
    the same whether the pack is built on the command line or downloaded from the 报告导出 page."""
    return {"范围": brief.scope_full_name, "统计年度": str(brief.year), "数据完整性": brief.coverage,
            "口径": "\n".join(brief.notes)}  # fmt: skip


def figure_table(fig: go.Figure) -> pd.DataFrame:
    """The data behind a figure, one row per point: 类别 (统计年度 on a chart over years), 系列, 数值（单位）.

    A year axis names its column 统计年度, so that the years are written as years (an Excel sheet gave a column
    called 类别 holding 2019 the count format and printed `2,019`)."""
    unit = (fig.layout.meta or {}).get("unit", "") if isinstance(fig.layout.meta, dict) else ""
    # fmt.YEAR_AXIS, or the year ticks (`d`, step 1) of small multiples, whose panels carry no axis title
    over_years = fig.layout.xaxis.title.text == fmt.YEAR_AXIS["title"]["text"] or (
        fig.layout.xaxis.tickformat == "d" and fig.layout.xaxis.dtick == 1
    )
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
    df = pd.DataFrame(
        rows, columns=["统计年度" if over_years else "类别", "系列", f"数值（{unit}）" if unit else "数值"]
    )
    if df["系列"].eq("").all():
        df = df.drop(columns=["系列"])
    return df
