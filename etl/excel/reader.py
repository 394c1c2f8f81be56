"""Read a filled survey workbook into the same document a JSON submission is, remembering each value's cell."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .. import dictionary as d
from . import layout as L


@dataclass
class Read:
    """A workbook turned into a document: the document (None when unreadable), problems, and path → cell."""

    doc: dict | None
    problems: list[tuple[str, str, str, object, str]] = field(default_factory=list)  # code, cell, path, value, zh
    cells: dict[str, str] = field(default_factory=dict)


def _number_text(v: object) -> object:
    """Codes typed as numbers (130104) come back from Excel as numbers: read them as text."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


def _convert(f: d.Field, v: object) -> object:
    """A cell value as the document needs it; values of the wrong kind are left for the schema to name."""
    if isinstance(v, str):
        v = v.strip()
        if v == "":
            return None
    if v is None:
        return None
    match f.kind:
        case "int":
            return int(v) if isinstance(v, float) and v.is_integer() else v
        case "money":
            return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
        case "bool":
            return {L.YES: True, L.NO: False}.get(v, v)
        case "enum":
            return L.enum_labels(f).get(v, v)
        case "timestamp" | "date":
            if isinstance(v, dt.datetime):
                return v.date().isoformat() if f.kind == "date" else v.isoformat()
            return v.isoformat() if isinstance(v, dt.date) else v
        case _:
            return _number_text(v)


MAX_UNPACKED = 64 * 2**20  # a filled template unpacks to well under 1 MB; openpyxl holds ~50× the XML in memory


def _zip_problems(raw: bytes) -> tuple[str | None, str | None]:
    """(too big, external link): what makes a workbook too costly to open (its unpacked size, as the zip declares
    it), and the first link to another workbook it holds; None when fine.

    Read from the zip's directory only, before openpyxl builds every cell: a huge sheet exhausted the memory.
    """
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        names = z.infolist()
    unpacked = sum(i.file_size for i in names)
    linked = next((i.filename for i in names if i.filename.startswith("xl/externalLinks/")), None)
    return (f"{unpacked:,} 字节" if unpacked > MAX_UNPACKED else None), linked


def read(raw: bytes, sha: str, folder_year: int | None) -> Read:
    """Parse a workbook; structural problems (not a workbook, missing sheet, wrong template) stop it."""
    out = Read(None)
    try:
        too_big, linked = _zip_problems(raw)
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        out.problems.append(("E_XLSX", "", "", str(exc)[:100], "不是有效的 Excel 工作簿（.xlsx）"))
        return out
    if linked:
        out.problems.append(("E_XLSX_EXTERNAL", "", "", linked, "工作簿链接了其他工作簿（外部链接），其中的数值取决于本系统看不到的文件："
                             "请在 Excel 中“断开链接”（数据 › 编辑链接）保存为数值后重新提交"))  # fmt: skip
        return out
    if too_big:
        out.problems.append(("E_XLSX_SIZE", "", "", too_big, f"工作簿过大（解压后超过 {MAX_UNPACKED // 2**20} MB，"
                             "或单元格过多）：调查表模板远小于此，请使用本系统下载的模板重新填写"))  # fmt: skip
        return out
    try:
        wb = load_workbook(io.BytesIO(raw), data_only=True)
    except Exception as exc:  # any failure of the reader on an untrusted file is this file's problem
        # (seen: BadZipFile, KeyError, ValueError, OSError, xml ParseError for malformed XML inside the zip)
        out.problems.append(
            ("E_XLSX", "", "", f"{type(exc).__name__}: {exc}"[:100], "不是有效的 Excel 工作簿（.xlsx）")
        )
        return out
    needed = [L.INFO_SHEET, *dict.fromkeys(r.sheet for r in L.form_rows()), *L.LIST_SHEETS.values(), L.PARTNER_SHEET]
    missing = [s for s in needed if s not in wb.sheetnames]
    if missing:
        for s in missing:
            out.problems.append(
                ("E_XLSX_SHEET", s, "", None, f"缺少工作表“{s}”：请使用本系统下载的模板，不要删除或改名工作表")
            )
        return out
    info = wb[L.INFO_SHEET]
    version, year = info[L.VERSION_CELL].value, info[L.YEAR_CELL].value
    expected = f"ISTC-{L.fingerprint()}"
    if version != expected:
        out.problems.append(("E_XLSX_TEMPLATE", f"{L.INFO_SHEET}!{L.VERSION_CELL}", "", version,
                             f"模板版本“{version}”与当前调查表（{expected}）不一致：请下载本年度模板重新填写"))  # fmt: skip
        return out
    if not isinstance(year, int) or (folder_year is not None and year != folder_year):
        out.problems.append(("E_XLSX_TEMPLATE", f"{L.INFO_SHEET}!{L.YEAR_CELL}", "survey_year", year,
                             f"这是 {year} 年度的模板，但文件放在 {folder_year} 年度的收件箱中：请使用 {folder_year} 年度模板"))  # fmt: skip
        return out

    doc: dict = {"schema_version": d.SCHEMA_VERSION, "submission_id": f"xlsx-{sha[:24]}", "survey_year": year}
    for row in L.form_rows():
        value = wb[row.sheet][f"{L.VALUE_COL}{row.row}"].value
        section, _, name = row.path.rpartition(".")
        name, _, option = name.partition("=")
        target = doc if not section else doc.setdefault(section, {})
        out.cells[f"{section}.{name}" if section else name] = row.cell
        if option:
            chosen = {L.YES: True, L.NO: False}.get(value.strip() if isinstance(value, str) else value, value)
            target.setdefault(name, [])
            if chosen is True:
                target[name].append(option)
            elif chosen not in (False, None):
                out.problems.append(
                    ("E_SCHEMA", row.cell, f"{section}.{name}", value, f"{row.label}：请选择“是”或“否”")
                )
            continue
        converted = _convert(row.field, value)
        if converted is not None:
            target[name] = converted
    for key, title in L.LIST_SHEETS.items():
        doc[key] = _read_list(wb[title], key, title, out)
    doc["by_partner"] = _read_partners(wb[L.PARTNER_SHEET], out)
    out.doc = doc
    return out


def _read_list(ws, key: str, title: str, out: Read) -> list[dict]:
    columns = L.list_columns(key)
    names = {"org_codes": L.orgs(), "org_code": L.orgs(), "programme_code": L.programmes()}
    items = []
    for r in range(3, ws.max_row + 1):
        values = [ws.cell(r, j).value for j in range(1, len(columns) + 1)]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        item: dict = {}
        path = f"{key}[{len(items)}]"
        for j, ((col_key, f, heading), v) in enumerate(zip(columns, values, strict=True), 1):
            name, _, slot = col_key.partition("#")
            cell = f"{title}!{get_column_letter(j)}{r}"
            out.cells.setdefault(f"{path}.{name}", cell)
            if slot:
                item.setdefault(name, [])
                if v is None or (isinstance(v, str) and not v.strip()):
                    continue
                lookup = names.get(name, L.partners())
                code = lookup.get(str(v).strip())
                if code is None:
                    what = "国际组织" if name == "org_codes" else "国家（地区）"
                    out.problems.append(
                        ("C-15", cell, f"{path}.{name}", v, f"{heading}：“{v}”不是代码表中的{what}名称")
                    )
                else:
                    item[name].append(code)
            elif name in names:
                converted = names[name].get(str(v).strip()) if v is not None else None
                if v is not None and converted is None:
                    out.problems.append(("C-15", cell, f"{path}.{name}", v, f"{heading}：“{v}”不在下拉列表中"))
                elif converted is not None:
                    item[name] = converted
            else:
                converted = _convert(f, v)
                if converted is not None:
                    item[name] = converted
        items.append(item)
    return items


def _read_partners(ws, out: Read) -> dict:
    labels = {f.label_zh: f for f in d.TYPED_PARTNER_FIELDS}
    result: dict[str, dict[str, object]] = {}
    for r in range(3, ws.max_row + 1):
        label, name, value = (ws.cell(r, j).value for j in (1, 2, 3))
        if label is None and name is None and value is None:
            continue
        sheet = L.PARTNER_SHEET
        f = labels.get(str(label).strip()) if label is not None else None
        if f is None:
            out.problems.append(("E_XLSX_VALUE", f"{sheet}!A{r}", "by_partner", label, f"指标“{label}”不在下拉列表中"))
            continue
        code = L.partners().get(str(name).strip()) if name is not None else None
        if code is None:
            out.problems.append(("C-15", f"{sheet}!B{r}", f"by_partner.{f.name}", name,
                                 f"“{name}”不是代码表中的国家（地区）名称"))  # fmt: skip
            continue
        rows = result.setdefault(f.name, {})
        out.cells.setdefault(f"by_partner.{f.name}", f"{sheet}!C{r}")
        out.cells[f"by_partner.{f.name}.{code}"] = f"{sheet}!C{r}"
        if code in rows:
            out.problems.append(("E_XLSX_VALUE", f"{sheet}!B{r}", f"by_partner.{f.name}", name,
                                 f"“{label}”中“{name}”填了两行"))  # fmt: skip
            continue
        rows[code] = _convert(f, value) if value is not None else 0
    return result
