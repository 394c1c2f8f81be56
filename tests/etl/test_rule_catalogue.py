"""Every rule of the catalogue fires: a minimal violating change to a valid fixture document gives its code, at the
expected path, with the expected Chinese message (figures worked out by hand from tests/fixtures/inbox.py).

Document rules are checked in-process on one document at a time (no warehouse). Warehouse rules share one small
warehouse: the fixture inbox plus every warehouse case's documents and registry rows, loaded by one ETL run (they
touch different accounts, so they cannot hide one another).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable

import duckdb
import pytest

from etl import config, hierarchy, reference, validate
from etl import dictionary as d
from etl.run import run
from tests.conftest import TODAY
from tests.fixtures.inbox import REGISTRY, VALID, doc, write_inbox

U1 = "2020/U1_r1.json"  # approved; 40 outbound person-times in 10 groups, 380 万元 of which 100 reportable, 2 projects
U2 = "2020/U2_r2.json"  # an enterprise with one project


def put(**changes: object) -> Callable[[dict], None]:
    """A change that sets each dotted path (`projects.1.fund_spent_year`, written with __ for dots) to its value."""

    def change(body: dict) -> None:
        for dotted, value in changes.items():
            *parents, last = [int(p) if p.isdigit() else p for p in dotted.split("__")]
            target = body
            for p in parents:
                target = target[p]
            target[last] = value

    return change


def move_funds(body: dict) -> None:
    """U2's money moves from its own funds to municipal ones, which an enterprise under 石家庄 leaves out (F-11)."""
    body["funding"]["fund_src_municipal"], body["funding"]["fund_src_unit_self"] = 60.0, 0.0
    body["projects"][0]["fund_src_municipal"], body["projects"][0]["fund_src_unit_self"] = 10.0, 0.0


def lower_usa(body: dict) -> None:
    rows = body["by_partner"]["out_person_times"]
    rows["usa"] = rows.pop("USA")


def btn(body: dict) -> None:
    rows = body["by_partner"]["out_person_times"]
    rows["USA"], rows["BTN"] = 18, 2  # 不丹: no diplomatic relations with the PRC


# rule → (base document, change, [(path, message)] expected: every finding of the changed document)
DOCUMENT_CASES: dict[str, tuple[str, Callable[[dict], None], list[tuple[str, str]]]] = {
    "F-01": (U1, put(projects__1__fund_spent_year=1.234),
             [("projects[1].fund_spent_year", "国际（港澳台）科技合作项目明细·本年支出：金额最多保留两位小数（万元）")]),
    "F-02": (U1, put(funding__fund_total_all=381.0),
             [("funding.fund_total_all", "国际（港澳台）科技合作经费投入·经费合计（全部来源，备查）：≠ 各来源之和 380.00 万元")]),
    "F-03": (U1, put(funding__fund_reportable=150.0),
             [("funding.fund_reportable",
               "国际（港澳台）科技合作经费投入·本单位国际科技合作经费投入（计入统计）：≠ 系统计算值 100.00 万元")]),
    "F-04": (U1, put(funding__fund_reportable=130.0),  # central and provincial left out, municipal not
             [("funding.fund_reportable", "国际（港澳台）科技合作经费投入·本单位国际科技合作经费投入（计入统计）："
                                          "未按要求剔除中央（国家级）财政资金、省级财政资金、市（地）级财政资金（应为 100.00 万元）")]),
    "F-05": (U1, put(projects__1__fund_total_contract=31.0),
             [("projects[1].fund_total_contract", "国际（港澳台）科技合作项目明细·项目总经费（合同）：≠ 各来源之和 30.00 万元")]),
    "F-06": (U1, put(projects__1__fund_src_unit_self=90.0, projects__1__fund_total_contract=90.0),
             [("funding.fund_src_unit_self", "国际（港澳台）科技合作经费投入·单位自筹：项目单位自筹之和 90.0 超过本单位单位自筹")]),
    "F-10": (U1, put(by_partner__fund_src_foreign={"DEU": 15.0}),
             [("by_partner.fund_src_foreign", "境外（外方及港澳台）资金（按国家（地区）分列）：分列之和 15.00 万元 ≠ 合计 20.00 万元")]),
    "F-11": (U2, move_funds,
             [("funding.fund_reportable", "国际（港澳台）科技合作经费投入·本单位国际科技合作经费投入（计入统计）："
                                          "企业有在研国际合作项目，但计入统计经费为0")]),
    "F-13": (U1, put(funding__fund_on_exchange=101.0),
             [("funding.fund_on_exchange", "国际（港澳台）科技合作经费投入·其中：用于人员交流：经费用途之和超过计入统计经费 100.00 万元")]),
    "C-01": (U1, put(exchange__out_groups=41),
             [("exchange.out_person_times", "人员交流·出访人次：与团组数 41 不一致（人次应 ≥ 团组数，且同时为0）")]),
    "C-02": (U1, put(exchange__out_pt_visit=1),
             [("exchange.out_pt_*", "人员交流·出访人次分项：各交流目的人次之和 41 ≠ 人次 40")]),
    "C-03": (U1, put(by_partner__out_person_times__USA=19),
             [("by_partner.out_person_times", "出访人次（按国家（地区）分列）：分列之和 39 ≠ 合计 40")]),
    "C-03b": (U1, put(agreement__agr_signed_year=2, agreement__agr_in_force=2, agreement__agr_by_type_gov=2,
                      by_partner__agr_signed_year={"USA": 1}),
              [("by_partner.agr_signed_year",
                "本年新签科技合作与交流协议（按国家（地区）分列）：分列之和应 ≥ 合计 2，且任一国家（地区） ≤ 合计")]),
    "C-04": (U1, put(exchange__out_person_days=40 * 367),
             [("exchange.out_person_days", "人员交流·出访人天数：应在人次 40 与 366×人次之间")]),
    "C-05": (U1, put(exchange__out_pt_long_term=41),
             [("exchange.out_pt_long_term", "人员交流·出访人次中：长期（≥90天）：不能超过人次 40")]),
    "C-06": (U1, put(projects__1__partner_codes=[]),
             [("projects[1].partner_codes",
               "国际（港澳台）科技合作项目明细·合作国家/地区：每个项目至少有一个合作国家（地区）或国际组织")]),
    "C-08": (U1, put(agreement__agr_signed_year=1, agreement__agr_by_type_gov=1),
             [("agreement.agr_in_force", "签订科技合作与交流协议·年末有效协议：少于本年新签协议 1")]),
    "C-09": (U1, put(institution__inst_joint_total=1),
             [("institution.inst_joint_total", "合作机构/平台·与外方（港澳台）共建科技机构：≠ 各类型之和 0")]),
    "C-10": (U1, put(intl_org__org_persons=1),
             [("intl_org.org_positions", "参加国际科技组织与任职·任职岗位数：少于任职人员 1")]),
    "C-11": (U1, put(conference__conf_participants=5),
             [("conference.conf_participants", "主办/承办国际（含港澳台）会议·参会总人次：未主办会议，参会人次应为0")]),
    "C-12": (U1, put(outcome__patents_pct=1),
             [("outcome.patents_pct", "合作成效与成果转化·其中：PCT/境外专利：超过联合专利 0")]),
    "C-14": (U1, put(unit_profile__rd_staff=1001),
             [("unit_profile.rd_staff", "单位基本情况·R&D人员数：不能超过从业人员数 1000")]),
    "C-15": (U1, put(projects__0__partner_codes=["ZZZ"]),
             [("projects[0].partner_codes", "国际（港澳台）科技合作项目明细·合作国家/地区：不是有效的国家（地区）代码")]),
    "C-16": (U1, put(projects__1__start_date="2022-01-01"),
             [("projects[1].end_date", "国际（港澳台）科技合作项目明细·结束日期：结束日期早于开始日期")]),
    "C-17": (U1, put(unit_profile__has_intl_activity=False),
             [("unit_profile.has_intl_activity", "单位基本情况·本年度是否开展国际（含港澳台）科技合作与交流："
                                                 "与填报的活动数不一致（有活动数却填“未开展”）")]),
    "C-19": (U1, btn,
             [("by_partner.out_person_times.BTN", "出访人次（按国家（地区）分列）：该国与我国无外交关系，请复核")]),
    "C-20": (U1, put(agreement__agr_signed_year=1, agreement__agr_in_force=1),
             [("agreement.agr_signed_year", "签订科技合作与交流协议·本年新签科技合作与交流协议：≠ 按类型分列之和 0")]),
    "C-21": (U1, put(talent__young_foreign_scientists=1),
             [("talent.young_foreign_scientists", "国际合作人才·来华工作的外国青年科学家：超过外籍全职与访问学者之和")]),
    "C-22": (U1, put(policy__problems=list(d.field("problems").enum[:6])),
             [("policy.problems", "支持政策与问题建议·主要问题：最多选择5项")]),
    "C-23": (U1, lower_usa,
             [("by_partner.out_person_times.usa", "出访人次（按国家（地区）分列）：伙伴代码应为三位大写字母（如 USA），已按 USA 读入")]),
    "A-10": (U1, put(unit_profile__admin_division_code="440100"),  # 广州, under 石家庄 (130100)
             [("unit_profile.admin_division_code", "单位基本情况·所在地行政区划代码：440100 不在上级账号 石家庄市（130100）"
                                                   "的行政区划内：请核对填报或账号注册表")]),
    "A-11": (U1, put(reports_municipal_funds=True),  # the registry says U1 does not report them on its own
             [("reports_municipal_funds", "本账号是否单独填报市级财政经费：填写为“是”，账号注册表为“否”："
                                          "经费剔除按注册表计算，请核对注册表或表头")]),
    "H-02": (U1, put(exchange__in_person_times_hmt=2),
             [("exchange.in_person_times_hmt", "人员交流·来访人次中：港澳台：≠ 分列中中国香港、中国澳门、中国台湾之和 0")]),
    "A-01": (U1, put(account_level=2), [("account_level", "账号级别：与注册表不一致（注册表为 3 级）")]),
    "A-05": (U1, put(reviewer_account_id="HB"), [("reviewer_account_id", "审核账号：审核账号应为上级账号 SJZ")]),
    "A-09": (U1, put(projects__1__project_key="2020YFE0001"),
             [("projects[0].project_key", "国际（港澳台）科技合作项目明细·项目编号：项目编号在本单位内重复"),
              ("projects[1].project_key", "国际（港澳台）科技合作项目明细·项目编号：项目编号在本单位内重复")]),
}  # fmt: skip


@pytest.fixture(scope="module")
def ctx(tmp_path_factory) -> validate.Context:
    registry = tmp_path_factory.mktemp("registry") / "accounts.csv"
    registry.write_text(REGISTRY, encoding="utf-8")
    return validate.Context(hierarchy.load(registry), reference.load(), config.load(None), TODAY)


def _findings(ctx: validate.Context, body: dict) -> list[tuple[str, str, str]]:
    checked = validate.check(json.dumps(body, ensure_ascii=False).encode(), ctx, source="t.json", sha="0" * 64)
    return [(p.code, p.path, p.message_zh) for p in checked.findings.items]


@pytest.mark.parametrize("base", sorted({base for base, _, _ in DOCUMENT_CASES.values()}))
def test_the_documents_the_cases_start_from_are_clean(ctx, base):
    assert _findings(ctx, VALID[base]) == []


@pytest.mark.parametrize("rule", list(DOCUMENT_CASES))
def test_every_document_rule_fires(ctx, rule):
    base, change, expected = DOCUMENT_CASES[rule]
    body = copy.deepcopy(VALID[base])
    change(body)
    assert _findings(ctx, body) == [(rule, path, message) for path, message in expected]


# --- warehouse rules -------------------------------------------------------------------------------------------
# Accounts added to the fixture registry: a province that is not Hebei, 辛集 hung under it and a unit whose
# parent is not in the registry.
EXTRA_ACCOUNTS = """BJ,,1,北京市科学技术委员会,北京市,110000,gov_agency,provincial,false
XJ,BJ,2,辛集市科学技术局,辛集市,130181,gov_agency,municipal,false
OR,NOPE,3,孤立单位,孤立单位,130104,university,,false
"""


def _c18(body: dict) -> None:
    body["exchange"]["out_groups"] = 1  # 21 person-times in one delegation


WAREHOUSE_DOCUMENTS = {
    # F-09: 保定丙医院 reports 700 万元 provincial funds: with 河北甲大学's 50, the province's units hold 750 > 1.2 × 500.
    "2020/U3_r4.json": (doc("U3", 2020, revision=4, status="approved", out={"USA": 4, "MAC": 4},
                            funds={"provincial": 700, "municipal": 15, "unit_self": 5}, problems=["funding_shortage"]),
                        None),
    # F-12: 保定丁研究所's reportable funding goes from 5 万元 (2019) to 1,000 万元.
    "2020/U4_r3.json": (doc("U4", 2020, revision=3, inbound={"RUS": 6}, funds={"unit_self": 1000}, orgs=["IUPAC"],
                            big_science=["SKA"]), None),
    # C-18: 石家庄乙科技有限公司 sends 21 people in one delegation.
    "2020/U2_r3.json": (doc("U2", 2020, revision=3, out={"JPN": 21}, funds={"unit_self": 50, "municipal": 10}), _c18),
}  # fmt: skip

# rule → (account, year, value, message) of its one finding in quality_checks
WAREHOUSE_CASES = {
    "F-08": ("U3", 2020, "700.00", "省级财政资金在非出资单位被计入统计经费"),
    "F-09": ("HB", 2020, "750.00", "辖区内单位填报的省级经费（备查）750.00 万元，超过本级省级经费的1.2倍"),
    "F-12": ("U4", 2020, "1000.00", "计入统计经费由上年 5.00 万元变为 1000.00 万元（增长19900%）"),
    "C-18": ("U2", 2020, "21", "出访每团组人次超过20"),
    "A-07": ("XJ", None, None, "定州、辛集、雄安新区须直属河北省"),
    "A-08": ("OR", None, None, "上级账号 NOPE 不在注册表中（孤立账号）"),
}


@pytest.fixture(scope="module")
def warehouse_checks(tmp_path_factory) -> dict[str, list[tuple]]:
    """rule → its findings in the one warehouse built for the warehouse cases (F-08: see _f08)."""
    root = tmp_path_factory.mktemp("rules")
    inbox = write_inbox(root / "inbox")
    with (inbox / "accounts.csv").open("a", encoding="utf-8") as f:
        f.write(EXTRA_ACCOUNTS)
    for name, (body, change) in WAREHOUSE_DOCUMENTS.items():
        if change:
            change(body)
        (inbox / name).write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    run(inbox, root / "wh", today=TODAY, progress=False)
    con = duckdb.connect(str(root / "wh" / (root / "wh" / "CURRENT").read_text(encoding="utf-8").strip()))
    try:
        rows = con.execute("select code, account_id, survey_year, value, message_zh from quality_checks").fetchall()
        rows += _f08(con)
    finally:
        con.close()
    found: dict[str, list[tuple]] = {}
    for code, *rest in rows:
        found.setdefault(code, []).append(tuple(rest))
    return found


def _f08(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """F-08 cannot arise from documents while the registry stands (a registry change checks every document again
    and records its exclusions anew): U3's 2020 version is given the exclusions of a provincial funder (central
    only), as if checked under another registry, and the checks of that account × year are made again."""
    con.execute("begin")
    try:
        con.execute("""update core_submissions set excluded_sources = ['central']
                       where account_id = 'U3' and survey_year = 2020 and is_current""")
        con.execute("create temp table f08_keys as select 'U3' as account_id, 2020 as survey_year")
        return con.execute("select code, account_id, survey_year, value, message_zh from checks_of('f08_keys') "
                           "where code = 'F-08'").fetchall()  # fmt: skip
    finally:
        con.execute("rollback")


@pytest.mark.parametrize("rule", list(WAREHOUSE_CASES))
def test_every_warehouse_rule_fires(warehouse_checks, rule):
    assert warehouse_checks.get(rule) == [WAREHOUSE_CASES[rule]]


def test_only_the_cases_findings_are_in_the_warehouse(warehouse_checks):
    assert sorted(warehouse_checks) == sorted(WAREHOUSE_CASES)


def test_every_checked_rule_of_the_catalogue_has_a_case():
    """A rule added to the catalogue needs a failing example here (document or warehouse, as it says)."""
    for where, cases in (("document", DOCUMENT_CASES), ("warehouse", WAREHOUSE_CASES)):
        assert sorted(r.id for r in d.RULES if r.where == where) == sorted(cases), where


def test_rule_texts_and_messages_write_the_catalogue_thresholds():
    """The thresholds the cases above cross are the catalogue's: its texts say them, and no placeholder is left."""
    assert d.RULES_BY_ID["F-12"].text_zh == (
        "计入统计经费同比增长超过300%或下降超过80%（且变化额不少于200万元），或每项目超过2000万元"
    )
    assert d.RULES_BY_ID["F-09"].params == {"max_ratio": 1.2}
    assert d.RULES_BY_ID["C-04"].params == {"max_days": 366}
    assert not [r.id for r in d.RULES if re.search(r"[{}]", r.text_zh + r.text_en)]
    assert d.field("out_person_days").constraint == "人次 ≤ 人天数 ≤ 366 × 人次"
