"""Names are data (issue 24, export side): a registry of hostile names, loaded by the ETL, never becomes a
spreadsheet formula, ReportLab markup, a link, an embedded file or a path outside the output folder."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

import queries
from etl.run import run
from reports import content, summary, tables
from tests.conftest import TODAY, connect
from tests.fixtures.inbox import write_inbox

ROOT = Path(__file__).resolve().parents[2]
LONG = "国际科技合作" * 33 + "研究院"  # 201 characters
# account → (name, name_short): every hostile string of issue 24 and 25, in the full name and the short one.
HOSTILE = {
    "HB": ('=HYPERLINK("http://evil.example","点我")', "<img src=x onerror=alert(1)>"),
    "SJZ": ("+cmd|' /C calc'!A0", '<a href="http://evil.example/phish">x</a>'),
    "BD": ("@SUM(1)", "../../../x"),
    "U1": ("<img src=x onerror=alert(1)>", "**粗体**"),
    "U2": (LONG, "[点我](http://evil.example/phish)"),
    "U3": ('<a href="javascript:alert(1)">x</a><img src="/etc/hostname"/>', "-2+3"),
    "U4": ("保定丁\n研究所\x07🚀", "/tmp/abs/x"),
}
FORMULA = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """The fixture inbox with every account renamed to a hostile name, loaded by the ETL; returns the warehouse."""
    root = tmp_path_factory.mktemp("hostile")
    inbox = write_inbox(root / "inbox")
    rows = list(csv.DictReader(io.StringIO((inbox / "accounts.csv").read_text(encoding="utf-8"))))
    for row in rows:
        row["name"], row["name_short"] = HOSTILE[row["account_id"]]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    (inbox / "accounts.csv").write_text(buf.getvalue(), encoding="utf-8")
    run(inbox, root / "wh", today=TODAY, progress=False)
    return root / "wh"


@pytest.fixture(scope="module")
def con(hostile):
    c = connect(hostile)
    yield c
    c.close()


def assert_no_formula(book: bytes) -> None:
    """No cell of the workbook is a formula (no <f> in any sheet's XML) and no text cell starts like one."""
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode("utf-8") and "<f " not in z.read(name).decode("utf-8"), name
    wb = load_workbook(io.BytesIO(book))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA), (ws.title, cell.coordinate, cell.value)


def assert_csv_text(raw: bytes) -> None:
    for row in csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")):
        for value in row:
            assert not value.startswith(FORMULA) or re.fullmatch(r"-?\d+(\.\d+)?", value), value


def test_the_registry_loaded_the_hostile_names(con):
    info = queries.scope_info(con, "HB").iloc[0]
    assert info["name"] == HOSTILE["HB"][0] and info["name_short"] == HOSTILE["HB"][1]
    assert queries.scope_info(con, "U4").iloc[0]["name"] == "保定丁研究所\x07🚀"  # the ETL folds the newline


def test_summary_files_stay_in_out_and_print_names_literally(hostile, tmp_path):
    out = tmp_path / "a" / "b" / "out"
    result = subprocess.run([sys.executable, "-m", "reports", "summary", "--warehouse", str(hostile), "--account",
                             *HOSTILE, "--year", "2020", "--out", str(out)], cwd=ROOT, capture_output=True,
                            text=True, check=True)  # fmt: skip
    assert "跳过" not in result.stderr
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert len(written) == 14 and all(p.parent == out for p in written), written
    assert not any(p.name.startswith(("-", ".")) for p in written)
    for account, (name, _) in HOSTILE.items():
        s = summary.build(connect(hostile), account, 2020)
        pdf = out / f"{s.stem}.pdf"
        reader = PdfReader(str(pdf))
        text = "".join(page.extract_text() for page in reader.pages)
        flat = re.sub(r"\s+", "", text)
        printable = re.sub(r"[\x00-\x1f\s]", "", name).replace("🚀", "〓")  # the font has no emoji: the 〓 mark
        assert printable in flat, (account, name)  # the name, markup and all, is printed as written
        for page in reader.pages:
            assert "/Annots" not in page, account  # no link from an <a href>
            xobjects = page["/Resources"].get("/XObject", {})
            assert not xobjects, account  # no image from an <img src>
        book = (out / f"{s.stem}.xlsx").read_bytes()
        assert_no_formula(book)
        info = {r[0]: r[1] for r in load_workbook(io.BytesIO(book))["说明"].iter_rows(values_only=True)}
        shown = info["综合机关名称"]
        assert shown.removeprefix("'") == re.sub(r"[\x00-\x1f]", "", name)  # the bell dropped, not the export


def test_dashboard_and_pack_tables_are_text_not_formulas(con):
    """The tables the pages and the report pack export, built from this warehouse's names."""
    frames = {
        "下级填报状态": queries.filling_by_child(con, "HB", 2020, "ALL"),
        "下级": queries.rollup_of_children_by_year(con, "HB", 2020, 2020, "finished", "ALL", ["fund_reportable"]),
        "督促名单": queries.filling_outstanding(con, "HB", 2019, "ALL", None, 0),
        "数据质量": queries.quality_findings_by_account(
            con, "HB", 2020, ["quarantine", "check", "warning"], [], None, 0
        ),
    }
    for title, df in frames.items():
        assert not df.empty, title
        df = df.astype({c: "string" for c in df.columns if df[c].dtype == object})
        assert_csv_text(tables.csv_bytes(df))
        assert_no_formula(tables.xlsx_bytes([tables.Table(title, df)], {"范围": HOSTILE["HB"][0]}))
    brief = content.build_brief(con, "HB", 2020)
    book = tables.xlsx_bytes(brief.tables, tables.brief_meta(brief))
    assert_no_formula(book)
    cells = [c.value for ws in load_workbook(io.BytesIO(book)).worksheets for r in ws.iter_rows() for c in r]
    assert "'+cmd|' /C calc'!A0" not in cells  # children are listed by short name …
    assert '<a href="http://evil.example/phish">x</a>' in cells and "../../../x" in cells  # … as written


def test_safe_writers_keep_numbers_and_neutralise_text():
    df = pd.DataFrame({"名称": ["=1+1", "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\tx", "\rx", "a\x07b", "普通"],
                       "数值（万元）": [-1.5, 2, 3, 4, 5, 6, 7, 8]})  # fmt: skip
    raw = tables.csv_bytes(df).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    assert [r[0] for r in rows[1:]] == [
        "'=1+1",
        "'+cmd|' /C calc'!A0",
        "'@SUM(1)",
        "'-2+3",
        "'\tx",
        "'\rx",
        "ab",
        "普通",
    ]
    assert rows[1][1] == "-1.5"  # a negative number is a number
    ws = load_workbook(io.BytesIO(tables.xlsx_bytes([tables.Table("t", df)], {}))).worksheets[1]
    assert ws["A3"].value == "'=1+1" and ws["A3"].data_type == "s"
    assert ws["B3"].value == -1.5 and ws["B3"].data_type == "n"
    assert ws["A9"].value == "ab"  # the control character is dropped instead of failing the export
    assert tables.safe_filename("../../../x") == "x" and "/" not in tables.safe_filename("/etc/passwd")
    assert tables.safe_filename("") == "未命名" and len(tables.safe_filename(LONG)) == 60


def test_report_packs_stay_in_out_and_print_names_literally(hostile, tmp_path):
    """`reports build` for every hostile account: a Word brief and its tables per account, all inside --out (a
    name_short of ../../../x or /tmp/abs/x is no path), each brief naming its unit literally, with no link."""
    out = tmp_path / "a" / "b" / "out"
    result = subprocess.run([sys.executable, "-m", "reports", "build", "--warehouse", str(hostile), "--account",
                             "HB", "SJZ", "BD", "U3", "U4", "--year", "2020", "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True, check=True)  # fmt: skip
    assert "跳过" not in result.stderr
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert len(written) == 10 and all(p.parent == out for p in written), written
    for docx_file in out.glob("*.docx"):
        with zipfile.ZipFile(docx_file) as z:
            xml = z.read("word/document.xml").decode("utf-8")
            rels = z.read("word/_rels/document.xml.rels").decode("utf-8")
        assert "evil.example" not in rels and "javascript:" not in rels  # no hyperlink made from a name
        assert "<a href" not in xml and "<img" not in xml  # never raw markup inside the document's XML
        assert_no_formula(docx_file.with_name(docx_file.stem + "_表格.xlsx").read_bytes())
    with zipfile.ZipFile(out / f"{tables.safe_filename(HOSTILE['HB'][1])}_2020年度_国际科技合作统计分析简报.docx") as z:
        body = re.sub(r"<[^>]+>", "", z.read("word/document.xml").decode("utf-8"))
    assert "&lt;img src=x onerror=alert(1)&gt;" in body  # … but the name, printed as written
