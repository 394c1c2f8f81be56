"""总览 says where the headline change came from (变化来自哪里), under the chosen 合作方范围.

Hand-worked from tests/fixtures/inbox.py (finished basis, 河北省 2019 → 2020):

出访人次 46 → 63 (+17).
    2019: 河北省本级 8 (its revision 2), 石家庄市 = U1 30 + U2 0 = 30 (SJZ never filled in, its units did),
          保定市 = U3 6 + U4 2 (revision 2; BD's own 2019 form is a draft) = 8.
    2020: 河北省本级 10 (USA 6 + HKG 4), 石家庄市 = U1 40 + U2 5 (revision 2) = 45, 保定市 = U3 8 + U4 0 = 8.
    Changes: 石家庄市 +15 (15/17 = 88.2 %), 河北省本级 +2 (2/17 = 11.8 %), 保定市 0 → not named.
    By partner: 德国 +12, 中国香港 +9, 日本 +5, 中国澳门 +4, 中国台湾 +3; 英国 −10, 美国 −6 (36 → 30).
    The rises add to 33 > 1.5 × 17, so the net change is mostly offsetting moves: top three each side, no shares.
来访人次 0 → 16: 石家庄市 +10 (U1 DEU 10, 62.5 %), 保定市 +6 (U4 RUS 6, 37.5 %); 德国 +10 (62.5 %), 俄罗斯 +6 (37.5 %).
With 港澳台 only, 出访 0 → 16: 石家庄市 +8 (U1 HKG 5 + TWN 3, 50.0 %), 保定市 +4 (U3 MAC 4, 25.0 %),
    河北省本级 +4 (HKG, 25.0 %) — a tie keeps the children's order, 本级 last; 中国香港 +9 (56.2 %), 中国澳门 +4 (25.0 %), 中国台湾 +3 (18.8 %) — no 国际 country named.
"""

from __future__ import annotations

from .conftest import open_page


def _sentences(at) -> dict[str, str]:
    """The 变化来自哪里 lines by headline, as the page shows them (Markdown escapes removed)."""
    out = {}
    for m in at.markdown:
        text = m.value.replace("\\", "")
        for name in ("出访人次", "来访人次", "计入统计经费"):
            if text.startswith(f"**{name}**"):
                out[name] = text
    return out


def test_overview_says_where_the_change_came_from(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="HB", year="2020")
    assert not at.exception
    assert "变化来自哪里" in [h.value for h in at.subheader]
    lines = _sentences(at)
    assert lines["出访人次"] == (
        "**出访人次**（2020 年比 2019 年）：从下级看，增长主要来自石家庄市（增加15 人次，占增量的88.2%）、"
        "河北省本级（增加2 人次，占增量的11.8%）；从合作国家和地区看，各方增减相抵后净增加：增加较多的是"
        "德国（增加12 人次）、中国香港（增加9 人次）、日本（增加5 人次）；减少较多的是英国（减少10 人次）、"
        "美国（减少6 人次）。"
    )
    assert lines["来访人次"] == (
        "**来访人次**（2020 年比 2019 年）：从下级看，增长主要来自石家庄市（增加10 人次，占增量的62.5%）、"
        "保定市（增加6 人次，占增量的37.5%）；从合作国家和地区看，增长主要来自德国（增加10 人次，占增量的62.5%）、"
        "俄罗斯（增加6 人次，占增量的37.5%）。"
    )
    assert "计入统计经费" in lines  # 530 → 840 万元


def test_change_sources_follow_the_partner_scope(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="HB", year="2020", ps="HMT")
    line = _sentences(at)["出访人次"]
    assert line == (
        "**出访人次**（2020 年比 2019 年）：从下级看，增长主要来自石家庄市（增加8 人次，占增量的50.0%）、"
        "保定市（增加4 人次，占增量的25.0%）、河北省本级（增加4 人次，占增量的25.0%）；从合作国家和地区看，"
        "增长主要来自中国香港（增加9 人次，占增量的56.2%）、中国澳门（增加4 人次，占增量的25.0%）、"
        "中国台湾（增加3 人次，占增量的18.8%）。"
    )
    assert any("计入统计经费不按国家（地区）分列" in c.value for c in at.caption)
