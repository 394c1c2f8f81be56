"""A registry whose names are attacks: the fixture tree of tests/fixtures/inbox.py with hostile names.

Same accounts, levels and documents as the fixture inbox (so every page has data), plus two accounts under 保定
that never filled in (so the 督促 list and the progress chart carry names too). The names are what a tester
tried (issue 24): HTML, Markdown bold and links, a spreadsheet formula, LaTeX, Streamlit's colour directive,
a bare address, a 200-character name, an emoji and a line break.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.fixtures.inbox import write_inbox

LONG = ("超长名称：" + "国际科技合作研究院" * 23)[:200]
NAMES = {  # account → (name, name_short)
    "HB": ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
    "SJZ": ("**粗体**", "**粗体**"),
    "BD": ("[点我](http://evil.example/phish)", "[点我](http://evil.example/phish)"),
    "U1": ('<a href="http://evil.example/phish">x</a>', '<a href="http://evil.example/phish">x</a>'),
    "U2": ('=HYPERLINK("http://evil.example","点我")', '=HYPERLINK("http://evil.example","点我")'),
    "U3": (LONG, LONG),
    "U4": ("$x^2$ :red[红色] _斜体_ http://evil.example/auto", "$x^2$ :red[红色] _斜体_ http://evil.example/auto"),
    "U5": (
        "🚀 火箭实验室 🧪 admin@evil.example www.evil.example",
        "🚀 火箭实验室 🧪 admin@evil.example www.evil.example",
    ),
    "U6": ("第一行\n第二行 <b>粗</b>", "第一行\n第二行 <b>粗</b>"),
}
EXTRA_ACCOUNTS = {"U5": ("BD", "130606", "research_institute"), "U6": ("BD", "130606", "enterprise")}


def write_hostile_inbox(inbox: Path) -> Path:
    """The fixture inbox with the registry rewritten: hostile names, two extra accounts that never filled in."""
    write_inbox(inbox)
    rows = list(csv.DictReader(io.StringIO((inbox / "accounts.csv").read_text(encoding="utf-8"))))
    for account, (parent, division, unit_type) in EXTRA_ACCOUNTS.items():
        rows.append({**rows[-1], "account_id": account, "parent_account_id": parent, "admin_division_code": division,
                     "unit_type": unit_type})  # fmt: skip
    for row in rows:
        row["name"], row["name_short"] = NAMES[row["account_id"]]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (inbox / "accounts.csv").write_text(out.getvalue(), encoding="utf-8")
    return inbox


def as_loaded(name: str) -> str:
    """A name as the ETL stores it: the registry reader joins a quoted name's lines (etl/hierarchy.py)."""
    return name.replace("\n", "")
