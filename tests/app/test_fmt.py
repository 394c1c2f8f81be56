"""present.fmt writes every number, unit, year and 同比 one way: the expected strings are spelled out."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from present import fmt


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2020, "2020"), (2020.0, "2020"), ("2016", "2016"), (None, "—"), (math.nan, "—")],
)
def test_a_year_never_has_a_separator(value, expected):
    assert fmt.year(value) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (7810, "人次", "7,810 人次"),
        (7810.0, "人次", "7,810 人次"),  # a roll-up's float is still a count
        (120872.0, "项", "120,872 项"),
        (3, "个", "3 个"),
        (0, "篇", "0 篇"),
        (1840.4, "项/篇/件", "1,840 项/篇/件"),
        (None, "人次", "—"),
        (15.0, "人次/单位", "15 人次/单位"),  # a ratio: whole when whole …
        (2.6667, "人次/单位", "2.67 人次/单位"),  # … else two decimals
        (12.345, "%", "12.3%"),  # no space before a percent sign
    ],
)
def test_counts_are_whole_with_one_space_before_the_unit(value, unit, expected):
    assert fmt.number(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (840, "万元", "840.00 万元"),
        (1150, "万元", "1,150.00 万元"),
        (9999.994, "万元", "9,999.99 万元"),
        (520600, "万元", "52.06 亿元"),  # a headline from 1 亿元 up
        (52.06, "亿元", "52.06 亿元"),  # already in 亿元 (a page that chose 亿元 for card and chart)
        (-12000, "万元", "-1.20 亿元"),
    ],
)
def test_money_is_wan_with_two_decimals_or_yi_from_one_yi(value, unit, expected):
    assert fmt.number(value, unit) == expected


def test_money_in_a_chosen_unit():
    assert fmt.money(520600, "万元") == "520,600.00 万元"
    assert fmt.money(5000, "亿元") == "0.50 亿元"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([600_000, 520_600, 480_000], ("亿元", 10_000)),  # 总览's funding trend: drawn in 亿元 like its card
        ([840, 530], ("万元", 1)),
        ([9_999, None], ("万元", 1)),
        ([10_000], ("亿元", 10_000)),
        ([], ("万元", 1)),
        (pd.Series([float("nan")]), ("万元", 1)),
    ],
)
def test_one_money_unit_per_figure(values, expected):
    assert fmt.money_unit(values) == expected


@pytest.mark.parametrize(
    ("current", "previous", "unit", "expected"),
    [
        (63, 46, "人次", "+37.0%"),
        (46, 63, "人次", "-27.0%"),
        (110, 100, "", "+10.0%"),
        (183, 183, "个", "持平"),
        (100_001, 100_000, "人次", "持平"),  # rounds to 0.0 %
        (2, 1, "人", "—（基数过小）"),  # 1 → 2 people is not +100.0 %
        (30, 9, "篇", "—（基数过小）"),
        (12, 10, "项", "+20.0%"),  # the minimum itself is a base
        (5, 0, "项", "—（基数过小）"),
        (0, 0, "项", "持平"),
        (840, 530, "万元", "+58.5%"),
        (15, 5, "万元", "—（基数过小）"),
        (0.60, 0.50, "亿元", "+20.0%"),  # 0.50 亿元 = 5,000 万元: not a small base
        (None, 10, "人次", None),
        (10, None, "人次", None),
    ],
)
def test_change_is_signed_flat_or_says_the_base_is_too_small(current, previous, unit, expected):
    assert fmt.change(current, previous, unit) == expected


def test_change_without_a_unit_applies_the_count_minimum():
    assert fmt.MIN_BASE == 10
    assert fmt.change(2, 1) == "—（基数过小）"
    assert fmt.change(12, 10) == "+20.0%"


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (63, 46, "比上年增长37.0%"),
        (46, 63, "比上年下降27.0%"),
        (5, 5, "与上年持平"),
        (2, 1, "上年基数过小（不足 10），不计算增幅"),
        (5, None, "上年无可比数据"),
    ],
)
def test_change_in_a_sentence(current, previous, expected):
    assert fmt.trend_phrase(current, previous) == expected


def test_chart_labels_and_hover_formats():
    assert fmt.plain(1110.0, "人次") == "1,110"
    assert fmt.plain(500, "万元") == "500.00"
    assert fmt.plain(2.6667, "人次/单位") == "2.67"
    assert fmt.hover_format("人次") == ",d"
    assert fmt.hover_format("万元") == ",.2f"


@pytest.mark.parametrize(
    ("unit", "values", "expected"),
    [
        ("人次", [0, 3, 1], {"tickformat": ",d", "rangemode": "tozero", "tick0": 0, "dtick": 1}),  # no 0.5 人次
        ("项", [4, 9], {"tickformat": ",d", "rangemode": "tozero", "tick0": 0, "dtick": 2}),
        ("个", [0, 0], {"tickformat": ",d", "rangemode": "tozero", "tick0": 0, "dtick": 1, "range": [0, 1]}),
        ("人次", [40_000, 9_086], {"tickformat": ",d", "rangemode": "tozero"}),
        ("万元", [840, 530], {"tickformat": ",~f", "rangemode": "tozero"}),
    ],
)
def test_count_axes_have_whole_ticks_from_zero(unit, values, expected):
    assert fmt.axis(unit, values) == expected


def test_table_columns_by_kind_and_whole_numbers_as_integers():
    df = pd.DataFrame({"统计年度": [2019.0, 2020.0], "已报": [1882.0, 1892.0], "经费（万元）": [840.0, 530.5],
                       "比例": [0.25, 0.5], "名称": ["甲", "乙"]})  # fmt: skip
    kinds = {c: fmt.column_kind(c, df[c]) for c in df.columns}
    assert kinds == {"统计年度": "year", "已报": "count", "经费（万元）": "money", "比例": "decimal", "名称": "text"}
    assert [fmt.TABLE_FORMATS[kinds[c]] for c in ("统计年度", "已报", "经费（万元）")] == ["%d", "%,d", "%,.2f"]
    assert [fmt.EXCEL_FORMATS[kinds[c]] for c in ("统计年度", "已报")] == ["0", "#,##0"]
    tidy = fmt.tidy(df)
    assert tidy.to_csv(index=False).splitlines()[1] == "2019,1882,840.0,0.25,甲"  # not 2019.0,1882.0


def test_source_line_names_only_filters_that_narrow():
    assert fmt.source_line("全国", fmt.years_text(2016, 2020), partner_scope="全部", unit_type="全部单位类型",
                           basis="已提交+已审核") == "全国；2016–2020年度；口径：已提交+已审核"  # fmt: skip
    assert fmt.source_line("河北省", fmt.years_text(2020, 2020), partner_scope="港澳台", unit_type="高等学校") == (
        "河北省；2020年度；合作方：港澳台；单位类型：高等学校"
    )


def test_public_notes_drop_rule_codes():
    note = "中国香港、中国澳门、中国台湾单列为港澳台，不作为国家（H-01、H-03）；分列之和可大于项目总数（C-03b）"
    assert fmt.public_note(note) == "中国香港、中国澳门、中国台湾单列为港澳台，不作为国家；分列之和可大于项目总数"
