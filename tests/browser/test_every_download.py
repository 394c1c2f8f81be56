"""In real Chromium, as the ministry (全国) and as the Hebei (省) user: every download button on every page saves a
file that opens as what its name says (issue 20).

On the shared fixture dashboard (conftest.fixture_site), 2019, the year in which the fixture has accounts to chase
(BD a draft, SJZ never filled in) and findings under HB, so 填报进度 and 数据质量 show their full lists too. Per page
(and on each of its tabs), the test clicks every table download and every item of every chart's 导出 menu, then reads each saved file:

* CSV: UTF-8 (with BOM), a header of Chinese column names, at least one row, rows as wide as the header, and no
  whole number written with a point (`530.0`: 经费投入's trend wrote money so);
* Excel: opens with openpyxl, with Chinese text and rows, and years without a separator (`2,019`); PNG: an image of real size; SVG, PDF, Word: open;
* the page's file names are distinct (填报进度's chart data and table once differed only by a space), name the
  content in Chinese, and carry no account id;
* each file is audited once, as this user at this user's scope, with its size.

As the Hebei user a chart's SVG and PDF are not clicked (VECTOR_ONCE): they are drawn from the figure its PNG is
drawn from, by the same renderer, which the ministry run checks in all three formats; every data file and table,
where the scope shows, is clicked for both users.

Failures are collected and named page › button, so one run lists every broken download.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from PIL import Image
from playwright.sync_api import Page
from pypdf import PdfReader

from tests.browser.web import ACCOUNTS, ERRORS, each_tab, go, signed_in
from tests.fixtures.inbox import PARENT
from ui import navigation

PAGES = [title for pages in navigation.SECTIONS.values() for _, title in pages]
HELP = {"指标解释", "使用说明"}  # pages without downloads
CJK = re.compile(r"[\u4e00-\u9fff]")
YEAR_HEADERS = {"类别", "统计年度", "年度", "年份"}
WHOLE_WITH_POINT = re.compile(r"-?\d[\d,]*\.0+")  # 530.0, 1,234.00
ACCOUNT_ID = re.compile(rf"(?<![A-Za-z0-9])({'|'.join(sorted({*PARENT, 'CN'}, key=len, reverse=True))})(?![A-Za-z0-9])")
# page → (file name part of its full list, column, what the list must hold) — the fixture tree in 2019
FULL_LISTS = {
    "填报进度": ("督促名单", "账号", {"BD", "SJZ"}),
    "数据质量": ("数据质量问题清单", "代码", {"A-01", "E_SCHEMA"}),
}
VECTOR_ONCE = {"ministry": (), "hebei": ("矢量图 SVG", "PDF")}  # user → chart menu items not clicked (docstring)
# The title of the chart an element belongs to: the last plotly figure before it in the page.
CHART_TITLE = """el => {
  const before = [...document.querySelectorAll('.js-plotly-plot')]
    .filter(d => d.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
  const d = before[before.length - 1];
  return (d && d._fullLayout && d._fullLayout.title && d._fullLayout.title.text || '').replace(/<[^>]+>/g, '');
}"""


def problems(path: Path) -> list[str]:
    """What is wrong with a saved file (empty: it opens as what its name says and holds data)."""
    data = path.read_bytes()
    if not data:
        return ["空文件"]
    kind = path.suffix
    try:
        if kind == ".csv":
            return csv_problems(data)
        if kind == ".xlsx":
            return xlsx_problems(data)
        if kind == ".png":
            with Image.open(io.BytesIO(data)) as img:
                return [] if img.format == "PNG" and min(img.size) >= 100 else [f"不是图片：{img.format} {img.size}"]
        if kind == ".svg":
            return [] if "<svg" in data[:3000].decode("utf-8") else ["不是 SVG"]
        if kind == ".pdf":
            return [] if len(PdfReader(io.BytesIO(data)).pages) >= 1 else ["PDF 没有页"]
        if kind == ".docx":
            return [] if any(p.text.strip() for p in Document(io.BytesIO(data)).paragraphs) else ["Word 文档是空的"]
    except Exception as e:  # a file that does not open is the finding
        return [f"打不开：{type(e).__name__}: {e}"]
    return [f"意外的文件类型 {kind}"]


def csv_problems(data: bytes) -> list[str]:
    if not data.startswith(b"\xef\xbb\xbf"):
        return ["CSV 没有 BOM（Excel 会把中文显示成乱码）"]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    if len(rows) < 2:
        return [f"CSV 只有 {len(rows)} 行"]
    out = [f"列名不是中文：{h!r}" for h in rows[0] if not CJK.search(h)]
    out += [f"第 {i} 行有 {len(r)} 列，表头 {len(rows[0])} 列" for i, r in enumerate(rows, 1) if len(r) != len(rows[0])]
    points = [
        f"{rows[0][j]}={c}" for r in rows[1:] for j, c in enumerate(r[: len(rows[0])]) if WHOLE_WITH_POINT.fullmatch(c)
    ]
    return out + ([f"整数带小数点：{points[:5]}"] if points else [])


def year_problems(ws) -> list[str]:
    """Years printed with a thousands separator (`2,019`) in a column headed 类别/统计年度/年度/年份."""
    rows = list(ws.iter_rows())
    header = next((r for r in rows if sum(isinstance(c.value, str) for c in r) >= 2), None)
    if header is None:
        return []
    years = {c.column for c in header if c.value in YEAR_HEADERS}
    return [f"{ws.title}!{c.coordinate} 年份 {c.value} 的格式 {c.number_format}" for r in rows[header[0].row :]
            for c in r if c.column in years and isinstance(c.value, int | float) and "," in c.number_format]  # fmt: skip


def xlsx_problems(data: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    filled = {ws.title: [r for r in ws.iter_rows(values_only=True) if any(v not in (None, "") for v in r)]
              for ws in book.worksheets}  # fmt: skip
    data_sheets = {t: rows for t, rows in filled.items() if t != "说明"}
    if not data_sheets or not any(len(rows) >= 2 for rows in data_sheets.values()):
        return [f"Excel 没有数据：{ {t: len(r) for t, r in filled.items()} }"]
    text = " ".join(str(v) for rows in data_sheets.values() for r in rows for v in r if isinstance(v, str))
    out = [] if CJK.search(text) else ["Excel 里没有中文"]
    points = [v for rows in data_sheets.values() for r in rows for v in r
              if isinstance(v, str) and WHOLE_WITH_POINT.fullmatch(v)]  # fmt: skip
    out += [p for ws in book.worksheets for p in year_problems(ws)][:5]
    return out + ([f"整数写成了带小数点的文字：{points[:5]}"] if points else [])


def full_list(path: Path, column: str) -> set[str]:
    """One column of a downloaded full list: the CSV, or the Excel sheet after 说明 (title row, then header)."""
    if path.suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
        return {r[column] for r in rows}
    rows = list(openpyxl.load_workbook(path).worksheets[1].iter_rows(values_only=True))
    return {r[rows[1].index(column)] for r in rows[2:]}


class Clicker:
    """Clicks downloads on one page and keeps what they saved, and a failure per button that saved nothing."""

    def __init__(self, page: Page, folder: Path, where: str, skip: tuple[str, ...] = ()):
        self.page, self.folder, self.where, self.skip = page, folder, where, skip
        self.saved: list[tuple[str, str, Path]] = []  # (button, the file name the server gave, where it was saved)
        self.failures: list[str] = []

    def take(self, button, what: str) -> None:
        try:
            with self.page.expect_download(timeout=60_000) as info:
                button.click()
            if info.value.failure():
                raise AssertionError(info.value.failure())
            name = info.value.suggested_filename
            path = self.folder / f"{len(self.saved):02d}_{name}"  # two files of one name are both kept (and reported)
            info.value.save_as(path)
            self.saved.append((what, name, path))
        except Exception as e:  # named and collected; the rest of the page is still clicked
            self.failures.append(f"{self.where} › {what}：没有保存文件（{str(e).splitlines()[0][:200]}）")

    def every_download(self) -> None:
        """The tables' (and the report page's) own buttons, then each chart's 导出 menu, item by item."""
        page = self.page
        main = page.locator('[data-testid="stMain"]')
        buttons = main.locator('[data-testid="stDownloadButton"] button')
        if self.where not in HELP:  # a page still drawing showed no button yet (重点工作监测 once counted none)
            main.locator('[data-testid="stDownloadButton"]').or_(
                main.get_by_role("button", name="导出", exact=True)
            ).or_(main.locator('[data-testid="stAlertContentInfo"]')).first.wait_for(state="attached", timeout=30_000)
        counts = [-1, buttons.count()]
        while counts[-1] != counts[-2]:  # the page is drawn to its end: no download button is still to come
            time.sleep(0.5)
            counts.append(buttons.count())
        for i in range(buttons.count()):
            button = buttons.nth(i)
            if button.is_visible():  # the chart menus' items are hidden until their menu opens
                button.scroll_into_view_if_needed()
                self.take(button, f"「{button.inner_text().strip()}」（第 {i + 1} 个下载按钮）")
        menus = main.get_by_role("button", name="导出", exact=True)
        for i in range(menus.count()):
            menu = menus.nth(i)
            menu.scroll_into_view_if_needed()
            chart = menu.evaluate(CHART_TITLE) or f"第 {i + 1} 个图表"
            menu.click()
            items = page.locator('[data-testid="stPopoverBody"] [data-testid="stDownloadButton"] button')
            try:
                items.first.wait_for(timeout=30_000)
            except Exception:
                self.failures.append(f"{self.where} › {chart} › 导出：菜单没有打开")
                continue
            for j in range(items.count()):
                label = items.nth(j).inner_text().strip()
                if label not in self.skip:
                    self.take(items.nth(j), f"{chart} › 导出 › 「{label}」")
            page.keyboard.press("Escape")
            items.first.wait_for(state="hidden", timeout=30_000)


@pytest.mark.parametrize("user", ["ministry", "hebei"])
def test_every_download_on_every_page_saves_a_file_that_opens(chromium, fixture_site, tmp_path, user):
    audit = fixture_site.store.with_name("audit.log")
    before = len(audit.read_text().splitlines()) if audit.exists() else 0
    page = signed_in(chromium, fixture_site, user, "year=2019")
    failures, saved, offered = [], [], {}
    for title in PAGES:
        if title != "总览":
            go(page, title)
        if page.locator(ERRORS).count():
            failures.append(f"{title}：页面显示错误 {page.locator(ERRORS).first.inner_text()[:200]!r}")
        folder = tmp_path / title
        folder.mkdir()
        clicks = Clicker(page, folder, title, VECTOR_ONCE[user])
        try:
            for _ in each_tab(page):
                clicks.every_download()
        except Exception as e:  # named, and the next page is still clicked
            failures.append(f"{title}：点击下载时出错（{str(e).splitlines()[0][:200]}）")
            page.keyboard.press("Escape")
        failures += clicks.failures
        offered[title] = len(clicks.saved) + len(clicks.failures)
        for what, name, path in clicks.saved:
            failures += [f"{title} › {what} › {name}：{p}" for p in problems(path)]
        names = [name for _, name, _ in clicks.saved]
        failures += [f"{title}：{n} 个下载都叫 {name}" for name, n in Counter(names).items() if n > 1]
        failures += [f"{title}：文件名含账号代码 {name}" for name in names if ACCOUNT_ID.search(name)]
        failures += [f"{title}：文件名没有中文 {name}" for name in names if not CJK.search(name)]
        if title in FULL_LISTS:
            stem, column, expected = FULL_LISTS[title]
            lists = [path for _, name, path in clicks.saved if stem in name]
            if sorted(p.suffix for p in lists) != [".csv", ".xlsx"]:
                failures.append(f"{title}：全部名单的下载 {[p.name for p in lists]}")
            failures += [f"{title} › {p.name}：缺 {expected - full_list(p, column)}"
                         for p in lists if not expected <= full_list(p, column)]  # fmt: skip
        saved += [(name, path) for _, name, path in clicks.saved]
    failures += [f"{title}：没有任何下载" for title, n in offered.items() if not n and title not in HELP]

    # Audited once each, as this user at this user's scope, with the size the browser received.
    lines = [json.loads(x) for x in audit.read_text().splitlines()[before:]] if audit.exists() else []
    exports = Counter((x["user"], x["scope"], x["detail"]) for x in lines if x["event"] == "export")
    delivered = Counter((user, ACCOUNTS[user], f"{name}（{path.stat().st_size:,} 字节）") for name, path in saved)
    if exports != delivered:
        failures.append(f"审计记录与下载不符：多 {list((exports - delivered).elements())[:3]}，"
                        f"少 {list((delivered - exports).elements())[:3]}")  # fmt: skip
    page.context.close()
    assert not failures, f"{user}：{len(failures)} 处问题（共 {len(saved)} 个文件）\n" + "\n".join(failures)
