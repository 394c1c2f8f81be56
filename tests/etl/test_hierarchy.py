"""The registry is resolved once and checked: cycles, orphans, levels, A-07, funding exclusions."""

from __future__ import annotations

import pytest

from etl import config
from etl.hierarchy import RegistryError, load

HEAD = "account_id,parent_account_id,level,name,admin_division_code,unit_type,funder_level,reports_municipal_funds\n"


def registry(tmp_path, rows: str):
    path = tmp_path / "accounts.csv"
    path.write_text(HEAD + rows, encoding="utf-8")
    return load(path)


def test_closure_includes_self_and_the_national_root(tmp_path):
    reg = registry(tmp_path, "A,,1,甲省,130000,gov_agency,provincial,\nB,A,2,乙市,130100,gov_agency,municipal,\n"
                             "C,B,3,丙大学,130100,university,,\n")  # fmt: skip
    assert sorted(reg.closure()) == sorted([("A", "A", 0), ("CN", "A", 1), ("B", "B", 0), ("A", "B", 1),
        ("CN", "B", 2), ("C", "C", 0), ("B", "C", 1), ("A", "C", 2), ("CN", "C", 3)])  # fmt: skip
    assert reg.problems == []


def test_orphan_cycle_and_level_problems_are_reported_not_dropped(tmp_path):
    reg = registry(tmp_path, "A,,1,甲,130000,gov_agency,,\nO,NOPE,3,孤儿,130100,other,,\n"
                             "X,Y,2,环1,130100,other,,\nY,X,1,环2,130100,other,,\nL,A,3,跳级,130100,other,,\n"
                             "K,L,4,跳级下级,130100,other,,\nB,A,2,乙,130100,other,,\nC,B,3,丙,130100,other,,\n"
                             "D,C,4,第四级,130100,other,,\nE,D,5,第五级,130100,other,,\n")  # fmt: skip
    assert {"O", "X", "Y", "L", "K", "D", "E"} <= reg.broken
    assert not {"A", "B", "C"} & reg.broken
    codes = {acc: code for acc, code, _ in reg.problems}
    assert codes["O"] == "A-08" and codes["L"] == "A-08"
    assert ("D", "A-08", "账号级别“4”不是 1、2、3") in reg.problems  # the walk alone would accept 3 → 4


def test_optional_columns_and_short_rows_read_as_empty(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("account_id,parent_account_id,level,name,admin_division_code,unit_type\n"
                    "A,,1, 甲省 ,130000,gov_agency\n\nB,A,2,乙市,130100\n", encoding="utf-8")  # fmt: skip
    reg = load(path)
    assert reg.problems == []
    assert reg.accounts["A"].name == reg.accounts["A"].name_short == "甲省"
    assert (reg.accounts["B"].unit_type, reg.accounts["B"].funder_level) == ("other", None)
    assert not reg.accounts["B"].reports_municipal_funds


def test_hebei_province_administered_cities_must_hang_under_hebei(tmp_path):
    """A-07: 定州, 辛集 and 雄安 are level-2 children of 河北省; under another province they are refused as A-07."""
    reg = registry(tmp_path, "HB,,1,河北省,130000,gov_agency,provincial,\nBJ,,1,北京市,110000,gov_agency,provincial,\n"
                             "XJ,HB,2,辛集市,130181,gov_agency,municipal,\nDZ,BJ,2,定州市,130682,gov_agency,municipal,\n"
                             "XA,BJ,2,雄安新区,133100,gov_agency,municipal,\nU,DZ,3,定州某大学,130682,university,,\n"
                             "BD,HB,2,保定市,130600,gov_agency,municipal,\n")  # fmt: skip
    assert ("DZ", "A-07", "定州、辛集、雄安新区须直属河北省") in reg.problems
    assert ("XA", "A-07", "定州、辛集、雄安新区须直属河北省") in reg.problems
    assert ("U", "A-08", "上级链中有无效账号，无法汇总") in reg.problems  # a unit of 定州 cannot roll up either
    assert reg.broken == {"DZ", "XA", "U"}
    assert reg.ancestors["XJ"] == ["XJ", "HB", "CN"] and reg.ancestors["BD"] == ["BD", "HB", "CN"]


def test_a_level_two_account_under_another_level_two_is_refused(tmp_path):
    """雄安 hung under 保定 (level 2 under level 2) breaks the level steps: A-08 before A-07 is even asked."""
    reg = registry(tmp_path, "HB,,1,河北省,130000,gov_agency,provincial,\nBD,HB,2,保定市,130600,gov_agency,municipal,\n"
                             "XA,BD,2,雄安新区,133100,gov_agency,municipal,\n")  # fmt: skip
    assert reg.problems == [("XA", "A-08", "级别 2 与上级 BD 的级别 2 不衔接")]


def test_excluded_sources_follow_f03_f04(tmp_path):
    reg = registry(tmp_path, "M,,1,部,110000,gov_agency,central,\nP,,1,省,130000,gov_agency,provincial,\n"
                             "C1,P,2,市1,130100,gov_agency,municipal,true\nC2,P,2,市2,130200,gov_agency,municipal,false\n"
                             "U1,C1,3,单位1,130100,university,,\nU2,C2,3,单位2,130200,university,,\n")  # fmt: skip
    cfg = config.load()
    assert reg.excluded_sources("M", cfg) == set()
    assert reg.excluded_sources("P", cfg) == {"central"}
    assert reg.excluded_sources("C1", cfg) == {"central", "provincial"}
    assert reg.excluded_sources("U1", cfg) == {"central", "provincial", "municipal"}
    assert reg.excluded_sources("U2", cfg) == {"central", "provincial"}


ROWS = (
    "A,,1,河北省科学技术厅,130000,gov_agency,provincial,\nB,A,2,石家庄市科学技术局,130100,gov_agency,municipal,true\n"
)


def test_registry_saved_by_excel_on_chinese_windows_reads_like_utf8(tmp_path):
    """GBK/GB18030 (Excel's default "CSV" on a Chinese Windows), UTF-16 and UTF-8 with BOM all read the same."""
    names = {}
    for encoding in ("utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes((HEAD + ROWS).encode(encoding))
        reg = load(path)
        names[encoding] = {a.account_id: (a.name, a.reports_municipal_funds) for a in reg.accounts.values()}
    assert all(n == {"A": ("河北省科学技术厅", False), "B": ("石家庄市科学技术局", True)} for n in names.values())


def test_registry_in_an_unknown_encoding_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_bytes(HEAD.encode() + b"A,,1,\xff\xfe\xfd\x80\x80,130000,gov_agency,,\n")  # valid in neither
    with pytest.raises(RegistryError, match=r"账号注册表 accounts\.csv 的编码无法识别"):
        load(path)


BROKEN_TREE = (
    "A,,1,甲省,130000,gov_agency,provincial,\nB,A,2,乙市,130100,gov_agency,municipal,true\n"
    "C,B,3,丙大学,130104,university,,\nO,NOPE,3,孤儿,130100,other,,\nD,C,3,跳级,130100,lab,,\n"
)


def test_a_kept_registry_is_the_parsed_one_and_is_read_back_without_parsing(tmp_path, monkeypatch):
    path, kept = tmp_path / "accounts.csv", tmp_path / "cache"
    path.write_text(HEAD + BROKEN_TREE, encoding="utf-8")
    parsed = load(path)
    assert load(path, kept) == parsed  # the first read parses and keeps it
    monkeypatch.setattr("etl.hierarchy._parse", lambda raw, path: pytest.fail("parsed again"))
    again = load(path, kept)
    assert again == parsed
    assert (again.problems, again.broken) == (
        [("O", "A-08", "上级账号 NOPE 不在注册表中（孤立账号）"), ("D", "A-08", "级别 3 与上级 C 的级别 3 不衔接")],
        {"D", "O"},
    )
    assert again.accounts["C"].unit_type == "university" and again.ancestors["C"] == ["C", "B", "A", "CN"]
    assert again.excluded_sources("C", config.load(None)) == {"central", "provincial", "municipal"}


def test_an_edited_or_damaged_registry_is_parsed_again(tmp_path):
    path, kept = tmp_path / "accounts.csv", tmp_path / "cache"
    path.write_text(HEAD + BROKEN_TREE, encoding="utf-8")
    load(path, kept)
    path.write_text(HEAD + BROKEN_TREE.replace("NOPE", "B"), encoding="utf-8")  # the orphan gets its parent
    edited = load(path, kept)
    assert [p[0] for p in edited.problems] == ["D"] and edited.ancestors["O"] == ["O", "B", "A", "CN"]
    assert len(list(kept.iterdir())) == 1  # only the registry in force is kept
    (only,) = kept.iterdir()
    only.write_bytes(only.read_bytes()[:100])  # cut short (a disk that filled up)
    assert load(path, kept) == edited
