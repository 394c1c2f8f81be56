"""The survey form as a workbook (`python -m etl template`), optionally filled from a JSON submission (`to-xlsx`)."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .. import dictionary as d
from . import layout as L

HEAD = PatternFill("solid", fgColor="DDE7F3")
INPUT = PatternFill("solid", fgColor="FFF8DC")
LIST_ROWS = 200  # detail sheets and the partner sheet offer this many input rows


class _Codes:
    """The hidden 代码表 sheet: one column per drop-down list; returns the range formula for a list."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws, self.cols, self.next = ws, {}, 1

    def formula(self, name: str, values: list[str]) -> str:
        if name not in self.cols:
            col = get_column_letter(self.next)
            self.ws[f"{col}1"] = name
            for i, v in enumerate(values, 2):
                self.ws[f"{col}{i}"] = v
            self.cols[name] = f"={L.CODES_SHEET}!${col}$2:${col}${len(values) + 1}"
            self.next += 1
        return self.cols[name]


def _validation(f: d.Field, codes: _Codes) -> DataValidation | None:
    """The data validation of one input cell, by the field's kind."""
    err = {"showErrorMessage": True, "errorTitle": "输入有误"}
    if f.kind == "int":
        return DataValidation("whole", operator="greaterThanOrEqual", formula1="0", error="请输入不小于0的整数", **err)
    if f.kind == "money":
        return DataValidation("decimal", operator="greaterThanOrEqual", formula1="0",
                              error="请输入不小于0的金额（万元，最多两位小数）", **err)  # fmt: skip
    if f.kind == "bool" or (f.kind == "multi_enum" and f.enum):
        return DataValidation("list", formula1=codes.formula("是/否", [L.YES, L.NO]), error="请选择“是”或“否”", **err)
    if f.kind == "enum":
        return DataValidation(
            "list", formula1=codes.formula(f.name, list(L.enum_labels(f))), error="请从下拉列表中选择", **err
        )
    if f.kind == "partner_list":
        return DataValidation("list", formula1=codes.formula("国家（地区）", list(L.partners())),
                              error="请从下拉列表中选择国家（地区）", **err)  # fmt: skip
    if f.max_len:
        return DataValidation("textLength", operator="lessThanOrEqual", formula1=str(f.max_len),
                              error=f"不超过 {f.max_len} 个字", **err)  # fmt: skip
    return None


def _cell_value(f: d.Field, value: object, option: str | None = None) -> object:
    """A document value as the form shows it (Chinese labels, 是/否)."""
    if option is not None:
        return L.YES if option in (value or []) else L.NO
    if value is None:
        return None
    if f.kind == "bool":
        return L.YES if value else L.NO
    if f.kind == "enum":
        return {v: k for k, v in L.enum_labels(f).items()}.get(value, value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _form_sheets(wb: Workbook, codes: _Codes, doc: dict | None) -> None:
    sheets: dict[str, Worksheet] = {}
    for row in L.form_rows():
        ws = sheets.get(row.sheet)
        if ws is None:
            ws = sheets[row.sheet] = wb.create_sheet(row.sheet)
            ws["A1"] = row.sheet
            ws["A1"].font = Font(bold=True, size=14)
            for col, text in zip("ABCDE", ("指标", "单位", "填报值", "说明（约束、规则）", "字段"), strict=True):
                ws[f"{col}2"] = text
                ws[f"{col}2"].font, ws[f"{col}2"].fill = Font(bold=True), HEAD
            for col, width in zip("ABCDE", (46, 8, 22, 60, 30), strict=True):
                ws.column_dimensions[col].width = width
            ws.freeze_panes = "A3"
            ws.protection.sheet = True  # labels are protected; only the value column is unlocked
        f = row.field
        ws[f"A{row.row}"] = row.label + ("（必填）" if f.required and "=" not in row.path else "")
        ws[f"B{row.row}"] = f.unit if f.unit != "–" else ""
        ws[f"D{row.row}"] = "；".join(x for x in (f.constraint, "规则：" + "、".join(f.rules) if f.rules else "") if x)
        ws[f"E{row.row}"] = row.path
        value_cell = ws[f"{L.VALUE_COL}{row.row}"]
        value_cell.protection, value_cell.fill = Protection(locked=False), INPUT
        if f.kind == "money":
            value_cell.number_format = "0.00"
        if (dv := _validation(f, codes)) is not None:
            ws.add_data_validation(dv)
            dv.add(value_cell.coordinate)
        if doc is not None:
            section, _, name = row.path.rpartition(".")
            name, _, option = name.partition("=")
            source = doc if not section else doc.get(section) or {}
            value_cell.value = _cell_value(f, source.get(name), option or None)


def _list_sheets(wb: Workbook, codes: _Codes, doc: dict | None) -> None:
    for key, title in L.LIST_SHEETS.items():
        ws = wb.create_sheet(title)
        ws["A1"] = f"{title}（每行一条；不够可插入行，最多 {LIST_ROWS} 行）"
        ws["A1"].font = Font(bold=True, size=14)
        columns = L.list_columns(key)
        for j, (col_key, f, heading) in enumerate(columns, 1):
            letter = get_column_letter(j)
            ws[f"{letter}2"] = heading
            ws[f"{letter}2"].font, ws[f"{letter}2"].fill = Font(bold=True), HEAD
            ws[f"{letter}2"].alignment = Alignment(wrap_text=True)
            ws.column_dimensions[letter].width = 16
            if col_key.startswith("org_codes") or col_key == "org_code":
                dv = DataValidation("list", formula1=codes.formula("国际组织", list(L.orgs())), showErrorMessage=True)
            elif col_key == "programme_code":
                dv = DataValidation(
                    "list", formula1=codes.formula("大科学计划", list(L.programmes())), showErrorMessage=True
                )
            else:
                dv = _validation(f, codes)
            if dv is not None:
                ws.add_data_validation(dv)
                dv.add(f"{letter}3:{letter}{LIST_ROWS + 2}")
        ws.freeze_panes = "A3"
        for i, item in enumerate((doc or {}).get(key) or [], 3):
            for j, (col_key, f, _) in enumerate(columns, 1):
                name, _, slot = col_key.partition("#")
                value = item.get(name)
                if slot:
                    values = value or []
                    names = {v: k for k, v in (L.orgs() if name == "org_codes" else L.partners()).items()}
                    value = names.get(values[int(slot) - 1]) if len(values) >= int(slot) else None
                elif name == "org_code":
                    value = {v: k for k, v in L.orgs().items()}.get(value, value)
                elif name == "programme_code":
                    value = {v: k for k, v in L.programmes().items()}.get(value, value)
                else:
                    value = _cell_value(f, value)
                ws.cell(i, j, value)


def _partner_sheet(wb: Workbook, codes: _Codes, doc: dict | None) -> None:
    ws = wb.create_sheet(L.PARTNER_SHEET)
    ws["A1"] = "按国家（地区）分列（每行：指标、国家或地区、数值；分列之和须等于相应合计）"
    ws["A1"].font = Font(bold=True, size=14)
    for col, text, width in (("A", "指标", 40), ("B", "国家（地区）", 18), ("C", "数值", 14)):
        ws[f"{col}2"], ws.column_dimensions[col].width = text, width
        ws[f"{col}2"].font, ws[f"{col}2"].fill = Font(bold=True), HEAD
    labels = {f.label_zh: f.name for f in d.TYPED_PARTNER_FIELDS}
    for col, dv in (("A", DataValidation("list", formula1=codes.formula("分列指标", list(labels)), showErrorMessage=True)),
                    ("B", DataValidation("list", formula1=codes.formula("国家（地区）", list(L.partners())), showErrorMessage=True)),
                    ("C", DataValidation("decimal", operator="greaterThanOrEqual", formula1="0", showErrorMessage=True))):  # fmt: skip
        ws.add_data_validation(dv)
        dv.add(f"{col}3:{col}{LIST_ROWS + 2}")
    ws.freeze_panes = "A3"
    names = {v: k for k, v in L.partners().items()}
    r = 3
    for field_name, rows in ((doc or {}).get("by_partner") or {}).items():
        for code, value in rows.items():
            ws.cell(r, 1, d.field(field_name).label_zh)
            ws.cell(r, 2, names.get(code, code))
            ws.cell(r, 3, value)
            r += 1


def workbook_bytes(year: int, doc: dict | None = None) -> bytes:
    """The form for survey year `year`; with `doc`, filled with that submission's values."""
    wb = Workbook()
    info = wb.active
    info.title = L.INFO_SHEET
    info["A1"] = f"国际科技合作与交流（港澳台科技合作与交流）统计调查 填报表（{year}年度）"
    info["A1"].font = Font(bold=True, size=15)
    info["A3"], info[L.YEAR_CELL] = "统计年度", year
    info["A4"], info[L.VERSION_CELL] = "模板版本", f"ISTC-{L.fingerprint()}"
    notes = [
        "1. 每个账号只填报本单位数据，上级数据由系统逐级汇总，不要把下级数据填进本表。",
        "2. 只在黄色单元格中填写；带“（必填）”的项目必须填写，没有的填 0。",
        "3. 金额单位为万元，最多两位小数；人次、项、个等为整数。",
        "4. 经费来源中的中央、省级（及按规定的市级）财政资金照实填写，系统会按规定剔除，不会重复统计。",
        "5. 中国香港、中国澳门、中国台湾在“国家（地区）”下拉列表中，按港澳台单列统计。",
        "6. 明细表（项目、国际组织、国际标准、大科学计划）每行一条；“按国家（地区）分列”每行一个指标、一个国家或地区。",
        f"7. 本模板只适用于 {year} 年度；请勿修改工作表名称和第 1、2 行。出错时系统会指出工作表和单元格（如 人员交流!C5）。",
    ]  # fmt: skip
    for i, text in enumerate(notes, 6):
        info[f"A{i}"] = text
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 110, 20
    codes_ws = wb.create_sheet(L.CODES_SHEET)
    codes = _Codes(codes_ws)
    _form_sheets(wb, codes, doc)
    _list_sheets(wb, codes, doc)
    _partner_sheet(wb, codes, doc)
    codes_ws.sheet_state = "hidden"
    wb.move_sheet(L.CODES_SHEET, offset=len(wb.sheetnames))
    info.protection.sheet = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
