"""The survey form, §1–§13 of the specification: every section, field and detail record."""

from __future__ import annotations

from .model import Field as F
from .model import Group, number_text
from .rules import MONEY_TOLERANCE, RULES_BY_ID

UNIT_TYPES = (
    "university", "research_institute", "hospital", "enterprise",
    "hitech_zone", "gov_agency", "association", "other",
)  # fmt: skip
UNIT_TYPES_ZH = (
    "高等院校", "科研院所", "医疗卫生机构", "企业", "高新区/园区", "科技管理部门/政府部门", "学会/协会", "其他",
)  # fmt: skip
STATUSES = ("draft", "submitted", "returned", "approved")
STATUSES_ZH = ("草稿", "已提交", "已退回", "已审核")
FINISHED_STATUSES = ("submitted", "approved")
# The bases (口径) every roll-up is given in, and which statuses of an account's current version count in each.
BASES = {"finished": FINISHED_STATUSES, "approved": ("approved",)}
# Re-exports of one revision whose only change is the status are status events; the later in this order is the
# current one (a return or an approval follows the submission). Ties: the later approved_at, then version_id.
STATUS_EVENT_ORDER = ("draft", "submitted", "returned", "approved")
FUND_SOURCES = ("central", "provincial", "municipal", "county", "unit_self", "domestic_other", "foreign")
FUND_SOURCES_ZH = (
    "中央（国家级）财政资金", "省级财政资金", "市（地）级财政资金", "县级财政资金", "单位自筹",
    "其他境内资金（企业、社会）", "境外（外方及港澳台）资金",
)  # fmt: skip
PURPOSES = ("visit", "conference", "joint_research", "training", "exhibition", "other")
PURPOSES_ZH = ("考察访问", "国际会议", "合作研究", "培训/进修", "科技展览", "其他")
DIRECTIONS = {"out": ("出访", "派出"), "in": ("来访", "接待")}
USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"

HEADER = Group("submission", "§1", "填报记录（表头）", (
    F("schema_version", "数据格式版本", kind="int", agg="KEY", constraint="当前为 1"),
    F("submission_id", "填报记录ID", kind="uuid", agg="KEY", constraint="UUID"),
    F("survey_year", "统计年度", "年", agg="KEY", constraint="2005 ≤ 年度 ≤ 当前年度−1"),
    F("account_id", "账号ID", kind="string", agg="KEY", max_len=64, constraint="须在账号注册表中"),
    F("account_level", "账号级别", kind="int", agg="KEY", constraint="1、2、3；= 上级级别 + 1", rules=("A-01",)),
    F("parent_account_id", "上级账号ID", kind="string", agg="KEY", required=False,
      constraint="一级账号为空，其余须与注册表一致", rules=("A-01",)),
    F("revision", "修订版次", kind="int", agg="KEY", constraint="≥ 1；同一账号同一年度版次大者取代小者"),
    F("status", "填报状态", kind="enum", agg="COUNT_UNITS", enum=STATUSES, enum_zh=STATUSES_ZH,
      constraint="已提交、已审核计入分析；草稿、已退回只计入填报进度"),
    F("submitted_at", "提交时间", kind="timestamp", agg="NONE", required=False,
      constraint="已提交/已审核时必填", rules=("A-05",)),
    F("approved_at", "审核时间", kind="timestamp", agg="NONE", required=False,
      constraint="≥ 提交时间；已审核时必填", rules=("A-05",)),
    F("reviewer_account_id", "审核账号", kind="string", agg="NONE", required=False,
      constraint="须为上级账号", rules=("A-05",)),
    F("reports_municipal_funds", "本账号是否单独填报市级财政经费", kind="bool", agg="NONE", required=False,
      constraint="仅对政府部门二级账号有意义；为真时其下级单位须剔除市级经费", rules=("F-04",)),
))  # fmt: skip

UNIT_PROFILE = Group("unit_profile", "§2", "单位基本情况", (
    F("unit_name", "单位名称", kind="text", agg="NONE", max_len=100),
    F("uscc", "统一社会信用代码", kind="string", agg="NONE", required=False, pattern=USCC_PATTERN,
      constraint="18位统一社会信用代码"),
    F("unit_type", "单位类型", kind="enum", agg="COUNT_UNITS", enum=UNIT_TYPES, enum_zh=UNIT_TYPES_ZH),
    F("enterprise_ownership", "企业性质", kind="enum", agg="COUNT_UNITS", required=False,
      enum=("state_owned", "private", "foreign_invested", "hmt_invested", "other"),
      enum_zh=("国有", "民营", "外商投资", "港澳台投资", "其他"), constraint="单位类型为企业时必填"),
    F("admin_division_code", "所在地行政区划代码", kind="string", agg="NONE", pattern=r"^\d{6}$",
      constraint="GB/T 2260 代码", rules=("C-15",)),
    F("supervising_dept", "主管部门", kind="text", agg="NONE", required=False, max_len=100),
    F("intl_base_level", "国际科技合作基地级别", kind="enum", agg="COUNT_UNITS",
      enum=("none", "national", "provincial", "municipal"), enum_zh=("无", "国家级", "省级", "市级")),
    F("intl_base_type", "基地类型", kind="enum", agg="COUNT_UNITS", required=False,
      enum=("innovation_park", "joint_research_center", "tech_transfer_center", "demo_enterprise"),
      enum_zh=("国际创新园", "国际联合研究中心", "国际技术转移中心", "国际科技合作示范企业"),
      constraint="基地级别不为“无”时必填"),
    F("staff_total", "从业人员数", "人"),
    F("rd_staff", "R&D人员数", "人", constraint="≤ 从业人员数", rules=("C-14",)),
    F("coop_staff_fulltime", "专职国际合作管理/支撑人员", "人", constraint="≤ 从业人员数", rules=("C-14",)),
    F("coop_staff_parttime", "兼职国际合作管理/支撑人员", "人", constraint="≤ 从业人员数", rules=("C-14",)),
    F("has_intl_activity", "本年度是否开展国际（含港澳台）科技合作与交流", kind="bool", agg="COUNT_UNITS",
      rules=("C-17",)),
))  # fmt: skip


def _exchanged(scope: str) -> str:
    """The partners of `scope` (INTL or HMT) with person-times in either direction (a partner_values row `x`)."""
    fields = ", ".join(f"'{d}_person_times'" for d in DIRECTIONS)
    return f"case when p.partner_scope = '{scope}' and x.field in ({fields}) and x.value > 0 then x.partner_code end"


def _exchange_fields() -> tuple[F, ...]:
    """§3: the same fields for outbound (out) and inbound (in) exchange."""
    out: list[F] = []
    for d, (verb, _) in DIRECTIONS.items():
        out += [
            F(f"{d}_groups", f"{verb}团组（批次）数", "批", by_partner="additive", rules=("C-01",)),
            F(
                f"{d}_person_times",
                f"{verb}人次",
                "人次",
                by_partner="additive",
                constraint="≥ 团组数；按国家（地区）分列之和 = 本数",
                rules=("C-01", "C-03", "H-02"),
            ),
            F(
                f"{d}_person_times_hmt",
                f"{verb}人次中：港澳台",
                "人次",
                required=False,
                constraint="= 按国家（地区）分列中港澳台之和",
                rules=("H-02",),
            ),
            F(
                f"{d}_person_days",
                f"{verb}人天数",
                "人天",
                required=False,
                by_partner="additive",
                constraint=f"人次 ≤ 人天数 ≤ {number_text(RULES_BY_ID['C-04'].param('max_days'))} × 人次",
                rules=("C-04",),
            ),
        ]
        out += [
            F(
                f"{d}_pt_{p}",
                f"{verb}人次中：{zh}",
                "人次",
                by_partner="additive",
                constraint="各目的之和 = 人次",
                rules=("C-02",),
            )
            for p, zh in zip(PURPOSES, PURPOSES_ZH, strict=True)
        ]
        out += [
            F(
                f"{d}_pt_long_term",
                f"{verb}人次中：长期（≥90天）",
                "人次",
                by_partner="additive",
                constraint="≤ 人次",
                rules=("C-05",),
            ),
            F(f"{d}_pt_senior", f"{verb}人次中：高级职称/高层次人才", "人次", required=False, constraint="≤ 人次"),
        ]
    out += [
        F(
            "n_partner_countries_exchange",
            "人员交流涉及国家数",
            "个",
            agg="DISTINCT",
            derived=True,
            constraint="人次 > 0 的国家（不含港澳台）去重计数",
            rules=("H-03",),
            counted=("partner_values", _exchanged("INTL")),
        ),
        F(
            "n_partner_hmt_exchange",
            "人员交流涉及港澳台地区数",
            "个",
            agg="DISTINCT",
            derived=True,
            constraint="0–3",
            counted=("partner_values", _exchanged("HMT")),
        ),
    ]
    return tuple(out)


EXCHANGE = Group(
    "exchange",
    "§3",
    "人员交流",
    _exchange_fields(),
    note_zh="出访（out）与来访（in）两个方向，字段相同；按国家（地区）分列见 by_partner。",
)

CONFERENCE = Group("conference", "§4", "主办/承办国际（含港澳台）会议", (
    F("conf_hosted", "主办/承办国际学术会议", "次", rules=("C-11",)),
    F("conf_participants", "参会总人次", "人次", rules=("C-11",)),
    F("conf_participants_foreign", "其中：境外（外国）参会人次", "人次", by_partner="additive", rules=("C-11",)),
    F("conf_participants_hmt", "其中：港澳台参会人次", "人次", by_partner="additive", rules=("C-11",)),
    F("conf_online", "其中：线上/线上线下结合会议", "次", rules=("C-11",)),
))  # fmt: skip

PROJECT_FIELDS = ("information", "biomedicine", "new_materials", "advanced_manufacturing", "energy",
                  "environment", "agriculture", "aerospace", "other")  # fmt: skip
PROJECT_FIELDS_ZH = ("信息技术", "生物医药", "新材料", "先进制造", "能源", "资源环境", "农业", "航空航天", "其他")
FUNDING_LEVELS = ("national", "provincial", "municipal", "county", "unit", "foreign_funded", "other")
FUNDING_LEVELS_ZH = ("国家级", "省级", "市级", "县级", "单位自主/横向", "外方资助", "其他")


def _source_fields(prefix: str, label: str, *, unit_level: bool = False) -> tuple[F, ...]:
    """Funding by source (§6; reused by project and big-science detail rows without the memo notes)."""
    notes = {"central": "备查，不计入（F-03）", "provincial": "备查，不计入（F-03）",
             "municipal": "F-04 适用时备查、不计入", "foreign": "按国家（地区）分列之和 = 本数（F-10）"}  # fmt: skip
    return tuple(
        F(
            f"{prefix}{s}",
            f"{label}{zh}",
            "万元",
            kind="money",
            rules=("F-01", "F-10") if s == "foreign" and unit_level else ("F-01",),
            by_partner="additive" if s == "foreign" and unit_level else "",
            constraint=notes.get(s, "计入") if unit_level else "",
        )
        for s, zh in zip(FUND_SOURCES, FUND_SOURCES_ZH, strict=True)
    )


PROJECT_DETAIL = Group("projects", "§5", "国际（港澳台）科技合作项目明细", (
    F("project_key", "项目编号", kind="string", agg="KEY", max_len=64,
      constraint="单位内唯一；政府计划项目用计划项目编号（便于去重）", rules=("A-09",)),
    F("project_name", "项目名称", kind="text", agg="NONE", max_len=200),
    F("role", "本单位角色", kind="enum", agg="NONE", enum=("lead", "participant"), enum_zh=("牵头", "参与")),
    F("funding_level", "立项级别/来源", kind="enum", agg="NONE", enum=FUNDING_LEVELS, enum_zh=FUNDING_LEVELS_ZH),
    F("programme", "所属计划", kind="text", agg="NONE", required=False, max_len=100),
    F("partner_codes", "合作国家/地区", kind="partner_list", agg="NONE", required=False,
      constraint="至少一个合作国家（地区）或国际组织", rules=("C-06", "C-15")),
    F("org_codes", "合作国际组织", kind="multi_enum", agg="NONE", required=False, rules=("C-06",)),
    F("partner_org_names", "外方合作机构", kind="text", agg="NONE", required=False, max_len=200),
    F("coop_form", "合作形式", kind="enum", agg="NONE",
      enum=("joint_research", "tech_import", "tech_export", "joint_platform", "joint_training", "big_science", "other"),
      enum_zh=("联合研发", "技术引进", "技术输出", "共建平台", "联合培养", "参与大科学计划", "其他")),
    F("field", "技术领域", kind="enum", agg="NONE", enum=PROJECT_FIELDS, enum_zh=PROJECT_FIELDS_ZH),
    F("start_date", "开始日期", kind="date", agg="NONE", rules=("C-16",)),
    F("end_date", "结束日期", kind="date", agg="NONE", constraint="≥ 开始日期", rules=("C-16",)),
    F("status_in_year", "本年状态", kind="enum", agg="NONE", enum=("new", "ongoing", "completed"),
      enum_zh=("新立项", "在研", "结题"), rules=("C-16",)),
    F("fund_total_contract", "项目总经费（合同）", "万元", kind="money", constraint="= 各来源之和", rules=("F-05",)),
    *_source_fields("fund_src_", "本年到位经费："),
    F("fund_spent_year", "本年支出", "万元", kind="money"),
), is_list=True)  # fmt: skip

PROJECT_SUMMARY = Group("project", "§5", "国际合作项目（汇总，由明细计算）", (
    F("proj_active", "在研国际合作项目数", "项", agg="SUM*", by_partner="multi", derived=True,
      constraint="= 明细行数；全国/地区项目总数按项目编号去重", rules=("A-09",)),
    F("proj_new", "其中：本年新立项", "项", agg="SUM*", by_partner="multi", derived=True),
    F("proj_completed", "其中：本年结题", "项", agg="SUM*", by_partner="multi", derived=True),
    F("proj_led", "其中：本单位牵头", "项", by_partner="multi", derived=True,
      constraint="只有牵头单位计数，逐级相加不重复"),
    *(F(f"proj_by_level_{lv}", f"按立项级别：{zh}", "项", agg="SUM*", derived=True)
      for lv, zh in zip(FUNDING_LEVELS, FUNDING_LEVELS_ZH, strict=True)),
    F("proj_fund_reportable", "项目本年到位经费（计入统计）", "万元", kind="money", derived=True,
      constraint="按 F-03 口径剔除后", rules=("F-05",)),
    F("n_partner_countries_project", "项目涉及国家数", "个", agg="DISTINCT", derived=True,
      counted=("project_partners", "case when p.partner_scope = 'INTL' then x.partner_code end")),
    # headline 项目数 dedups projects that carry a programme number; the others are distinct by
    # construction (project_key is unique within a unit), so they are counted, not deduplicated.
    F("proj_active_distinct", "在研国际合作项目数（去重）", "项", agg="DISTINCT", derived=True, rollup_only=True,
      rules=("A-09",), constraint="在研国际合作项目按项目编号去重后的项数：同一政府计划项目由多个单位填报时只计一次（A-09）。",
      counted=("projects", "case when x.programme is not null then x.project_key end"), nulls_distinct=True,
      unit_value="proj_active"),  # one unit's projects are distinct: its project keys are (A-09 quarantines a repeat)
), in_document=False)  # fmt: skip

FUNDING = Group("funding", "§6", "国际（港澳台）科技合作经费投入", (
    *_source_fields("fund_src_", "", unit_level=True),
    F("fund_total_all", "经费合计（全部来源，备查）", "万元", kind="money", constraint="= 各来源之和",
      rules=("F-02",)),
    F("fund_reportable", "本单位国际科技合作经费投入（计入统计）", "万元", kind="money", required=False,
      constraint=f"由系统计算（F-03/F-04）；如填写须与计算值一致（±{number_text(MONEY_TOLERANCE)}）", rules=("F-03", "F-04", "F-07")),
    F("fund_on_exchange", "其中：用于人员交流", "万元", kind="money", rules=("F-13",)),
    F("fund_on_projects", "其中：用于合作项目", "万元", kind="money", rules=("F-13",)),
    F("fund_on_platforms", "其中：用于平台/机构建设", "万元", kind="money", rules=("F-13",)),
), note_zh="中央、省级（部分情况下市级）财政资金只作备查，不计入本单位经费，避免重复统计。")  # fmt: skip

INSTITUTION = Group("institution", "§7", "合作机构/平台", (
    F("inst_joint_total", "与外方（港澳台）共建科技机构", "个", agg="SUM*", by_partner="multi", rules=("C-09",)),
    F("inst_joint_lab", "其中：联合实验室/联合研究中心", "个", agg="SUM*", by_partner="multi", rules=("C-09",)),
    F("inst_tech_transfer", "其中：国际技术转移中心", "个", agg="SUM*", by_partner="multi", rules=("C-09",)),
    F("inst_incubator", "其中：国际孵化器/创新园", "个", agg="SUM*", by_partner="multi", rules=("C-09",)),
    F("inst_other", "其中：其他", "个", agg="SUM*", by_partner="multi", rules=("C-09",)),
    F("inst_overseas", "其中：设在境外的机构", "个", agg="SUM*", by_partner="multi", rules=("C-09",)),
    F("inst_new", "其中：本年新建", "个", agg="SUM*", by_partner="multi", rules=("C-09",)),
    F("inst_bri_joint_lab", "“一带一路”联合实验室", "个", agg="SUM*", by_partner="multi", rules=("C-09",)),
))  # fmt: skip

AGREEMENT = Group("agreement", "§8", "签订科技合作与交流协议", (
    F("agr_signed_year", "本年新签科技合作与交流协议", "项", agg="SUM*", by_partner="multi", rules=("C-08",)),
    F("agr_in_force", "年末有效协议", "项", agg="SUM*", by_partner="multi", rules=("C-08",)),
    F("agr_by_type_gov", "按类型：政府间", "项", agg="SUM*", rules=("C-20",)),
    F("agr_by_type_institution", "按类型：机构间", "项", agg="SUM*", rules=("C-20",)),
    F("agr_by_type_enterprise", "按类型：企业间", "项", agg="SUM*", rules=("C-20",)),
))  # fmt: skip

INTL_ORG = Group("intl_org", "§8", "参加国际科技组织与任职", (
    F("org_persons", "在国际组织任职人员", "人", agg="SUM*", rules=("C-10",)),
    F("org_positions", "任职岗位数", "个", rules=("C-10",)),
    F("org_positions_senior", "其中：主席/副主席/秘书长/执委等高级职务", "个", rules=("C-10",)),
    F("journal_positions", "在SCI国际期刊任职（主编/副主编/编委）", "人次"),
    F("org_joined", "本单位（团体会员）参加国际科技组织", "个", agg="DISTINCT", derived=True,
      constraint="按组织代码去重", counted=("orgs", "x.org_code || case when x.org_code = 'OTHER' "
                                                 "then ':' || coalesce(x.org_name, '') else '' end")),
))  # fmt: skip

ORG_DETAIL = Group("intl_orgs", "§8", "参加的国际科技组织明细", (
    F("org_code", "国际组织代码", kind="string", agg="KEY", max_len=32, constraint="见 intl_orgs.csv",
      rules=("C-15",)),
    F("org_name", "组织名称（代码为 OTHER 时填写）", kind="text", agg="NONE", required=False, max_len=200),
), is_list=True)  # fmt: skip

OUTCOME = Group("outcome", "§9", "合作成效与成果转化", (
    F("papers_coauthored", "国际（港澳台）合著论文", "篇", agg="SUM*", by_partner="additive"),
    F("patents_joint", "与外方联合申请专利", "件", agg="SUM*", by_partner="additive", rules=("C-12",)),
    F("patents_pct", "其中：PCT/境外专利", "件", agg="SUM*", by_partner="additive", rules=("C-12",)),
    F("tech_import_items", "引进国外（境外）技术", "项", by_partner="additive"),
    F("tech_export_items", "技术输出", "项", by_partner="additive"),
    F("tt_contracts", "涉外技术转让/许可合同", "项", by_partner="additive", rules=("C-12",)),
    F("tt_contract_value", "合同金额", "万元", kind="money", by_partner="additive", rules=("C-12",)),
    F("new_products", "合作形成新产品/新工艺", "项"),
    F("joint_training", "联合培养研究生/博士后", "人", by_partner="additive"),
    F("experts_introduced", "引进外国专家和技术人员", "人", agg="SUM*", by_partner="additive"),
    F("intl_awards", "获国际科技奖项", "项"),
))  # fmt: skip

STANDARD_DETAIL = Group("standards", "§10", "制订或参与起草国际标准明细", (
    F("standard_no", "标准编号", kind="string", agg="KEY", max_len=64, rules=("A-02",)),
    F("standard_name", "标准名称", kind="text", agg="NONE", max_len=200),
    F("sdo", "标准组织", kind="enum", agg="NONE", enum=("ISO", "IEC", "ITU", "IEEE", "CODEX", "other"),
      enum_zh=("ISO", "IEC", "ITU", "IEEE", "CODEX", "其他")),
    F("role", "本单位角色", kind="enum", agg="NONE", enum=("lead", "participate"), enum_zh=("主导制定", "参与起草")),
    F("stage", "所处阶段", kind="enum", agg="NONE", enum=("proposal", "draft", "published"),
      enum_zh=("立项", "草案", "发布")),
    F("year_of_stage", "进入该阶段年份", "年"),
    F("partner_codes", "合作国家/地区", kind="partner_list", agg="NONE", required=False, rules=("C-15",)),
), is_list=True)  # fmt: skip

STANDARD_SUMMARY = Group("standard", "§10", "国际标准（汇总，由明细计算）", (
    F("std_total", "制订或参与起草国际标准", "项", agg="DISTINCT", derived=True, constraint="按标准编号去重",
      counted=("standards", "x.standard_no")),
    F("std_led", "其中：主导制定", "项", agg="DISTINCT", derived=True, rules=("C-13",),
      counted=("standards", "case when x.role = 'lead' then x.standard_no end")),
    F("std_published_year", "其中：本年发布", "项", agg="DISTINCT", derived=True, rules=("C-13",),
      counted=("standards", "case when x.stage = 'published' and x.year_of_stage = b.survey_year "
                            "then x.standard_no end")),
), in_document=False)  # fmt: skip

BIG_SCIENCE_DETAIL = Group("big_science", "§11", "参与国际大科学计划和大科学工程明细", (
    F("programme_code", "大科学计划代码", kind="string", agg="KEY", max_len=32,
      constraint="见 big_science_programmes.csv", rules=("C-15",)),
    F("role", "本单位角色", kind="enum", agg="NONE", enum=("initiator", "participant"), enum_zh=("牵头发起", "参与")),
    F("persons", "参与人员", "人"),
    *_source_fields("fund_src_", "投入经费："),
), is_list=True)  # fmt: skip

BIG_SCIENCE_SUMMARY = Group("big_science_summary", "§11", "国际大科学计划（汇总，由明细计算）", (
    F("bsp_count", "参与国际大科学计划/工程", "项", agg="DISTINCT", derived=True, constraint="按计划代码去重",
      counted=("big_science", "x.programme_code")),
    F("bsp_led", "其中：牵头组织", "项", agg="DISTINCT", derived=True, rules=("C-13",),
      counted=("big_science", "case when x.role = 'initiator' then x.programme_code end")),
    F("bsp_persons", "参与人员", "人", agg="SUM*", derived=True),
    F("bsp_fund_reportable", "投入经费（计入统计）", "万元", kind="money", derived=True, rules=("F-03",)),
), in_document=False)  # fmt: skip

TALENT = Group("talent", "§12", "国际合作人才", (
    F("foreign_fulltime", "外籍（含港澳台）全职科研人员", "人", agg="SUM*", by_partner="additive",
      rules=("C-14",)),
    F("foreign_visiting", "外籍短期/兼职/访问学者", "人", agg="SUM*", by_partner="additive"),
    F("young_foreign_scientists", "来华工作的外国青年科学家", "人", agg="SUM*", by_partner="additive",
      rules=("C-21",)),
    F("returnees_year", "本年引进海外归国人才", "人"),
    F("staff_posted_abroad", "常驻境外（外派）科研人员", "人", by_partner="additive", rules=("C-14",)),
))  # fmt: skip

POLICY_TYPES = ("funding", "talent", "travel_facilitation", "platform", "ip_and_transfer",
                "evaluation_incentive", "other")  # fmt: skip
POLICY_TYPES_ZH = ("经费支持", "人才", "出入境便利", "平台建设", "知识产权与成果转化", "评价激励", "其他")
PROBLEMS = ("funding_shortage", "travel_approval_visa", "talent_shortage", "partner_channels", "ip_risk",
            "international_environment", "management_capacity", "other")  # fmt: skip
PROBLEMS_ZH = ("经费不足", "出国审批/签证", "人才短缺", "合作渠道", "知识产权风险", "国际环境", "管理能力", "其他")

POLICY = Group("policy", "§13", "支持政策与问题建议", (
    F("has_support_policy", "是否出台国际合作支持政策/制度", kind="bool", agg="COUNT_UNITS"),
    F("policy_count_year", "本年出台政策数", "项", rules=("C-22",)),
    F("policy_types", "政策类型", kind="multi_enum", agg="COUNT_UNITS", required=False,
      enum=POLICY_TYPES, enum_zh=POLICY_TYPES_ZH),
    F("problems", "主要问题", kind="multi_enum", agg="COUNT_UNITS", required=False,
      enum=PROBLEMS, enum_zh=PROBLEMS_ZH, constraint=f"最多选 {number_text(RULES_BY_ID['C-22'].param('max_problems'))} 项"),
    F("suggestions_text", "意见和建议", kind="text", agg="NONE", required=False, max_len=2000),
))  # fmt: skip

# Roll-up columns that count reporting units (COUNT_UNITS): a scope's figures, no unit's own field.
ROLLUP = Group("rollup", "汇总", "逐级汇总的填报单位数（由系统计算）", (
    F("n_reported", "填报单位数", "个", agg="COUNT_UNITS", derived=True, rollup_only=True, units_where="true",
      constraint="范围内已提交或已审核（按所选口径）的填报账号数。"),
    F("n_units_active", "开展国际合作的单位数", "个", agg="COUNT_UNITS", derived=True, rollup_only=True,
      units_where="b.has_intl_activity", constraint="本年度开展了国际（含港澳台）科技合作与交流的填报单位数。"),
    F("n_units_with_policy", "出台支持政策的单位数", "个", agg="COUNT_UNITS", derived=True, rollup_only=True,
      units_where="b.has_support_policy", constraint="出台了国际合作支持政策或制度的填报单位数。"),
    F("n_units_with_base", "有国际科技合作基地的单位数", "个", agg="COUNT_UNITS", derived=True, rollup_only=True,
      units_where="b.intl_base_level <> 'none'", constraint="有国家级、省级或市级国际科技合作基地的填报单位数。"),
), in_document=False, note_zh="每一级统计范围内具备该属性的填报单位数，单位本身不填写。")  # fmt: skip

# The document's sections in form order; derived summaries follow the detail they come from.
SECTIONS: tuple[Group, ...] = (
    UNIT_PROFILE, EXCHANGE, CONFERENCE, PROJECT_SUMMARY, FUNDING, INSTITUTION, AGREEMENT, INTL_ORG,
    OUTCOME, STANDARD_SUMMARY, BIG_SCIENCE_SUMMARY, TALENT, POLICY,
)  # fmt: skip
DETAILS: tuple[Group, ...] = (PROJECT_DETAIL, ORG_DETAIL, STANDARD_DETAIL, BIG_SCIENCE_DETAIL)
