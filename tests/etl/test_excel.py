"""Excel in: the template, the JSON → workbook → warehouse round trip, and malformed workbooks quarantined by cell."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from etl import schema
from etl.excel import layout
from etl.excel.reader import read
from etl.excel.template import workbook_bytes
from etl.run import run
from tests.conftest import TODAY, connect
from tests.fixtures.inbox import REGISTRY, VALID


def normal(doc: dict) -> dict:
    """The validated document without its id and without empty optional values."""

    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if v is not None and k != "submission_id"}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x

    return strip(schema.submission_adapter().validate_python(doc))


def test_template_has_labels_validation_protection_and_instructions():
    wb = load_workbook(io.BytesIO(workbook_bytes(2020)))
    assert wb.sheetnames[0] == "填报说明" and "人员交流" in wb.sheetnames and wb["代码表"].sheet_state == "hidden"
    info = wb["填报说明"]
    assert info["B3"].value == 2020 and info["B4"].value.startswith("ISTC-")
    ws = wb["人员交流"]
    assert ws["A3"].value == "出访团组（批次）数（必填）" and ws["B3"].value == "批"
    assert ws.protection.sheet and ws["A3"].protection.locked and not ws["C3"].protection.locked
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"whole"} <= kinds
    money = wb["经费投入"]
    assert any(dv.type == "decimal" for dv in money.data_validations.dataValidation)
    profile = wb["单位情况"]
    assert any(dv.type == "list" and "代码表" in dv.formula1 for dv in profile.data_validations.dataValidation)
    codes = wb["代码表"]
    column = next(c.column_letter for c in codes[1] if c.value == "国家（地区）")
    partners = [c.value for c in codes[column]][1:]
    assert partners[:3] == ["中国香港", "中国澳门", "中国台湾"] and "美国" in partners


@pytest.mark.parametrize("name", [k for k, v in VALID.items() if v["status"] in ("submitted", "approved")])
def test_every_fixture_document_round_trips_exactly(name):
    doc = VALID[name]  # drafts and returned forms are checked by header only, so they are not listed
    parsed = read(workbook_bytes(doc["survey_year"], doc), "0" * 64, doc["survey_year"])
    assert parsed.problems == []
    assert normal(parsed.doc) == normal(doc)


def _inbox(tmp_path, files: dict[str, bytes]):
    inbox = tmp_path / "inbox"
    for name, raw in files.items():
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        (inbox / name).write_bytes(raw)
    (inbox / "accounts.csv").write_text(REGISTRY, encoding="utf-8")
    return inbox


def test_workbooks_and_json_give_the_same_warehouse(tmp_path):
    as_json = {k: json.dumps(v, ensure_ascii=False).encode() for k, v in VALID.items()}
    as_xlsx = {k.replace(".json", ".xlsx"): workbook_bytes(v["survey_year"], v) for k, v in VALID.items()}
    run(_inbox(tmp_path / "a", as_json), tmp_path / "a" / "wh", today=TODAY, progress=False)
    summary = run(_inbox(tmp_path / "b", as_xlsx), tmp_path / "b" / "wh", today=TODAY, progress=False)
    assert (summary["loaded"], summary["quarantined"]) == (13, 0)
    q = "select scope_id, survey_year, basis, unit_type, n_reported, out_person_times, fund_reportable, " \
        "n_partner_countries_exchange, proj_active_distinct, std_total from mart_rollup order by all"  # fmt: skip
    a, b = connect(tmp_path / "a" / "wh"), connect(tmp_path / "b" / "wh")
    assert a.execute(q).fetchall() == b.execute(q).fetchall()
    assert b.execute("select out_person_times from mart_rollup where scope_id = 'HB' and survey_year = 2020 "
                     "and basis = 'finished' and unit_type = 'ALL'").fetchone()[0] == 63  # fmt: skip
    a.close()
    b.close()


def _edit(doc: dict, change) -> bytes:
    wb = load_workbook(io.BytesIO(workbook_bytes(doc["survey_year"], doc)))
    change(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_malformed_workbooks_are_quarantined_with_sheet_and_cell(tmp_path):
    u1, u3 = VALID["2020/U1_r1.json"], VALID["2020/U3_r1.json"]

    def text_in_number(wb):
        wb["人员交流"]["C3"] = "十二"

    def unknown_partner(wb):
        ws = wb[layout.PARTNER_SHEET]
        row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 2).value == "美国")
        ws.cell(row, 2, "美利坚")

    def drop_sheet(wb):
        del wb["合作成效"]

    bad = {
        "2020/U1_r2.xlsx": (_edit(u1, text_in_number), "E_SCHEMA", "人员交流!C3"),
        "2020/U1_r3.xlsx": (_edit(u1, unknown_partner), "C-15", "按国家（地区）分列!B"),
        "2020/U3_r2.xlsx": (_edit(u3, drop_sheet), "E_XLSX_SHEET", "合作成效"),
        "2020/U3_r3.xlsx": (workbook_bytes(2019, {**u3, "survey_year": 2019}), "E_XLSX_TEMPLATE", "填报说明!B3"),
        "2020/empty.xlsx": (b"", "E_EMPTY", ""),
        "2020/corrupt.xlsx": (b"PK\x03\x04 not really a workbook", "E_XLSX", ""),
    }
    files = {k: raw for k, (raw, _, _) in bad.items()}
    files["2020/U4_r1.xlsx"] = workbook_bytes(2020, VALID["2020/U4_r1.json"])  # a good one in the same batch
    summary = run(_inbox(tmp_path, files), tmp_path / "wh", today=TODAY, progress=False)
    assert (summary["loaded"], summary["quarantined"]) == (1, len(bad))
    for name, (_, code, cell) in bad.items():
        reports = list((tmp_path / "wh" / "quarantine").glob(f"{name.removesuffix('.xlsx')}__*.report.json"))
        assert len(reports) == 1, name
        problems = json.loads(reports[0].read_text(encoding="utf-8"))["problems"]
        hit = [p for p in problems if p["code"] == code]
        assert hit, f"{name}: {[p['code'] for p in problems]}"
        assert cell in hit[0]["message_zh"] and cell in hit[0].get("cell", "") + hit[0]["message_zh"]
    text = json.loads(next((tmp_path / "wh" / "quarantine").glob("2020/U1_r2__*.report.json")).read_text())
    assert text["problems"][0]["message_zh"] == "人员交流!C3 人员交流·出访团组（批次）数：应为整数"


def test_rule_violations_in_a_workbook_name_the_cell(tmp_path):
    u3 = VALID["2020/U3_r1.json"]
    raw = _edit(u3, lambda wb: wb["人员交流"].__setitem__(f"C{_row('exchange.out_pt_visit')}", 3))
    summary = run(_inbox(tmp_path, {"2020/U3_r2.xlsx": raw}), tmp_path / "wh", today=TODAY, progress=False)
    assert summary["quarantined"] == 1
    report = json.loads(next((tmp_path / "wh" / "quarantine").glob("2020/U3_r2__*.report.json")).read_text())
    c02 = next(p for p in report["problems"] if p["code"] == "C-02")
    assert "各交流目的人次之和 11 ≠ 人次 8" in c02["message_zh"] and c02["cell"].startswith("人员交流!C")


def _row(path: str) -> int:
    return next(r.row for r in layout.form_rows() if r.path == path)
