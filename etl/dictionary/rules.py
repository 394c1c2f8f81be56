"""The rule catalogue, §14–§17: every F-, C-, H-, A- rule, plus the ETL's own reason codes.

`where` says which stage checks a rule: "document" (validate.py, one submission at a time),
"warehouse" (checks.py, across submissions after the load) or "definition" (a rule that says
how a figure is computed; the warehouse applies it and tests pin its result).
Rules marked "(项目补充)" are constraints the specification states in its field tables
(§6, §8, §12, §13) that we gave an id of their own.
"""

from __future__ import annotations

from .model import Rule as R

# 万元: the specification's tolerance for every money equality (§0); the rules that compare sums of money use it.
MONEY_TOLERANCE = 0.01

RULES: tuple[R, ...] = (
    # §14 funding
    R("F-01", "H", "document", "经费各来源须为非负数，最多两位小数", "every funding source ≥ 0 with 2 decimals"),
    R("F-02", "H", "document", "经费合计须等于各来源之和（误差 ≤ {tolerance} 万元）", "fund_total_all = Σ sources ± {tolerance}",
      params={"tolerance": MONEY_TOLERANCE}),
    R("F-03", "H", "document", "计入统计经费 = 经费合计 − 应剔除来源；如填写须与系统计算值一致",
      "fund_reportable = total − excluded sources; a typed value must match ± {tolerance}",
      params={"tolerance": MONEY_TOLERANCE}),
    R("F-04", "H", "document", "三级账号须剔除中央和省级经费；上级单独填报市级经费时还须剔除市级经费",
      "level-3 accounts exclude central and provincial funds, and municipal funds when the parent reports them"),
    R("F-05", "H", "document", "项目各来源经费之和须等于项目总经费", "per project: Σ sources = fund_total_contract"),
    R("F-06", "S", "document", "项目某来源经费之和不应超过本单位该来源经费", "Σ projects' source k ≤ unit's source k"),
    R("F-07", "H", "definition", "逐级汇总：上级计入统计经费 = 本级 + 各下级汇总值，剔除部分任何层级都不加回",
      "R(node) = own reportable + Σ R(children); excluded parts are never added back"),
    R("F-08", "H", "warehouse", "省级、市级财政资金只在出资单位计入一次，不得在其他单位重复计入",
      "provincial and municipal money is counted once, at its funder"),
    R("F-09", "S", "warehouse", "辖区内单位填报的省级经费（备查）不应超过省科技厅本级省级经费的{max_ratio}倍",
      "provincial funds received in a province ≤ {max_ratio} × the department's own provincial funds",
      params={"max_ratio": 1.2}),
    R("F-10", "H", "document", "境外资金按国家（地区）分列之和须等于境外资金", "Σ foreign funding by partner = fund_src_foreign"),
    R("F-11", "S", "document", "企业有在研项目但计入统计经费为0", "enterprise with active projects but no reportable funding"),
    # A unit going from 5 to 0 万元 is not worth an analyst's call: without min_change a fifth of all units were
    # flagged in the demo's calibration.
    R("F-12", "S", "warehouse",
      "计入统计经费同比增长超过{rise_pct}%或下降超过{fall_pct}%（且变化额不少于{min_change}万元），或每项目超过{per_project_max}万元",
      "reportable funding YoY > +{rise_pct} % or < −{fall_pct} % (by at least {min_change} 万元), "
      "or > {per_project_max} 万元 per project",
      params={"rise_pct": 300, "fall_pct": 80, "min_change": 200, "per_project_max": 2000}),
    R("F-13", "S", "document", "（项目补充）经费用途之和不应超过计入统计经费", "Σ uses ≤ fund_reportable"),
    # §15 consistency
    R("C-01", "H", "document", "团组数为0当且仅当人次为0，且人次 ≥ 团组数", "groups = 0 ⇔ person-times = 0; person-times ≥ groups"),
    R("C-02", "H", "document", "各交流目的人次之和须等于人次", "Σ purposes = person-times"),
    R("C-03", "H", "document", "可加指标按国家（地区）分列之和须等于合计", "additive by-partner rows sum to the total"),
    R("C-03b", "H", "document", "多国家项目类指标：分列之和 ≥ 合计，且任一国家（地区） ≤ 合计",
      "multi-partner items: Σ partners ≥ total and max partner ≤ total"),
    R("C-04", "H", "document", "人次 ≤ 人天数 ≤ {max_days} × 人次", "person-times ≤ person-days ≤ {max_days} × person-times",
      params={"max_days": 366}),
    R("C-05", "H", "document", "长期（≥90天）人次不能超过人次", "long-term ≤ person-times"),
    R("C-06", "H", "document", "每个项目至少有一个合作国家（地区）或国际组织，且项目编号不重复",
      "every project has ≥ 1 partner or organisation"),
    R("C-07", "H", "definition", "按立项级别分列的项目数之和等于在研项目数（由明细计算，恒成立）",
      "Σ proj_by_level = proj_active (derived from detail rows)"),
    R("C-08", "S", "document", "年末有效协议数通常不少于本年新签协议数", "agr_in_force ≥ agr_signed_year"),
    R("C-09", "H", "document", "共建机构各类型之和等于合计；境外、新建 ≤ 合计；一带一路联合实验室 ≤ 联合实验室",
      "Σ institution types = total; overseas, new ≤ total; BRI labs ≤ joint labs"),
    R("C-10", "H", "document", "任职岗位数 ≥ 任职人员；高级职务 ≤ 岗位数；任职人员 ≤ 从业人员",
      "positions ≥ persons; senior ≤ positions; persons ≤ staff"),
    R("C-11", "H", "document", "未主办会议则参会人次为0；境外 + 港澳台参会人次 ≤ 参会总人次；线上会议 ≤ 会议数",
      "no conference ⇒ no participants; foreign + HMT ≤ participants; online ≤ hosted"),
    R("C-12", "H", "document", "PCT/境外专利 ≤ 联合专利；技术合同数为0当且仅当合同金额为0",
      "PCT ≤ joint patents; contracts = 0 ⇔ value = 0"),
    R("C-13", "H", "definition", "主导/本年发布的标准 ≤ 标准总数；牵头的大科学计划 ≤ 参与数（均由明细计算，恒成立）",
      "led ≤ total for standards and big science (derived from detail rows)"),
    R("C-14", "H", "document", "R&D人员、国际合作人员、外籍全职、外派人员均不能超过从业人员",
      "R&D, cooperation, foreign full-time and posted staff ≤ staff_total"),
    R("C-15", "H", "document", "国家（地区）代码须在代码表中且不能为CHN；行政区划、组织、大科学计划代码须有效",
      "partner codes from partners.csv and never CHN; division, organisation and programme codes valid"),
    R("C-16", "H", "document", "新立项项目开始于统计年度；结题项目结束于统计年度；开始 ≤ 结束",
      "new ⇒ starts in the survey year; completed ⇒ ends in it; start ≤ end"),
    R("C-17", "S", "document", "填“未开展国际合作”但有活动数，或有活动数却填“未开展”",
      "has_intl_activity disagrees with the activity counts"),
    R("C-18", "S", "warehouse", "每团组人次超过{per_group_max}，或人次同比增长超过{rise_pct}%",
      "person-times per group > {per_group_max}, or YoY > +{rise_pct} %",
      params={"per_group_max": 20, "rise_pct": 300}),
    R("C-19", "S", "document", "合作国家与我国无外交关系，请复核", "partner without PRC diplomatic relations: review"),
    R("C-20", "H", "document", "（项目补充）按类型分列的协议数之和须等于本年新签协议数", "Σ agreement types = agr_signed_year"),
    R("C-21", "H", "document", "（项目补充）外国青年科学家 ≤ 外籍全职 + 外籍访问学者",
      "young foreign scientists ≤ foreign full-time + visiting"),
    R("C-22", "H", "document", "（项目补充）未出台支持政策时本年政策数须为0；主要问题最多选{max_problems}项",
      "no support policy ⇒ policy_count_year = 0; at most {max_problems} problems", params={"max_problems": 5}),
    # §16 Hong Kong, Macao, Taiwan
    R("H-01", "H", "definition", "中国香港、中国澳门、中国台湾始终归入港澳台，不作为国家",
      "HKG, MAC, TWN are always HMT, never countries"),
    R("H-02", "H", "document", "合计 = 国际 + 港澳台：填写的港澳台小计须等于分列中港澳台之和",
      "total = INTL + HMT: the typed HMT subtotal equals the HMT partner rows"),
    R("H-03", "H", "definition", "“合作国家数”只计国家；含港澳台时须标为“合作国家和地区数”",
      "country counts exclude HMT"),
    R("H-04", "H", "definition", "地图和排名中港澳台不得作为国家呈现", "maps and rankings never show HMT as countries"),
    # §17 aggregation
    R("A-01", "H", "document", "表头账号级别、上级账号须与账号注册表一致（各级只填本级数据，逐级汇总）",
      "header level and parent match the registry (own data only, rolled up)"),
    R("A-02", "H", "definition", "去重类指标在每一级按明细重新计数，不能相加", "DISTINCT fields are recounted at each level"),
    R("A-03", "S", "definition", "SUM* 指标按填报单位累计，可能存在重复", "SUM* fields may double count"),
    R("A-04", "H", "definition", "比率由汇总后的分子分母重新计算", "ratios are recomputed from rolled-up parts"),
    R("A-05", "H", "document", "已审核的填报须有审核时间（≥ 提交时间）且审核账号为上级账号；已提交须有提交时间",
      "approved ⇒ approved_at ≥ submitted_at and reviewer = parent; submitted ⇒ submitted_at"),
    R("A-06", "H", "definition", "计划单列市为一级账号，不计入所在省的合计", "separately-planned cities are not in their province"),
    R("A-07", "H", "warehouse", "定州、辛集、雄安新区直属河北省，不得同时汇入保定、石家庄",
      "定州, 辛集, 雄安 roll up to 河北省 only"),
    R("A-08", "H", "warehouse", "账号注册表无环、无孤立账号、级别一致", "the registry has no cycles or orphans; levels consistent"),
    R("A-09", "H", "document", "项目编号在单位内唯一（“项目数”按项目编号去重）", "project_key unique within the unit"),
    # Found at intake: the form and the registry disagree, or a code is written loosely. Loaded with a finding,
    # so the unit or the registry can be corrected; the registry is what the roll-ups follow.
    R("C-23", "S", "document", "（项目补充）国家（地区）代码应为三位大写字母；小写的（如 usa）按大写读入并提示",
      "partner codes are three capital letters; lower-case ones (usa) are read upper-cased, with a finding"),
    R("A-10", "S", "document",
      "（项目补充）单位所在地行政区划代码应在上级地方账号（省、市级出资方）的行政区划内；部委等非地方账号的下级不检查",
      "a unit's division code lies in its parent's region when the parent is a provincial or municipal funder"),
    R("A-11", "S", "document", "（项目补充）表头“本账号是否单独填报市级财政经费”应与账号注册表一致（经费剔除以注册表为准）",
      "the header's reports_municipal_funds agrees with the registry (exclusions follow the registry)"),
)  # fmt: skip

RULES_BY_ID = {r.id: r for r in RULES}

# Reasons a document is quarantined that are not survey rules.
REASONS: dict[str, tuple[str, str]] = {
    "E_EMPTY": ("文件为空", "empty file"),
    "E_JSON": ("文件不是有效的 JSON（UTF-8）", "not valid JSON (UTF-8)"),
    "E_SCHEMA": ("不符合填报数据格式", "does not match the submission schema"),
    "E_UNKNOWN_ACCOUNT": ("账号不在账号注册表中", "account not in the registry"),
    "E_REGISTRY": (
        "账号在注册表中的层级关系有误（环、孤立或级别不一致）",
        "the account's registry entry is inconsistent",
    ),
    "E_REVISION_CONFLICT": (
        "同一账号、年度、版次已有内容不同的填报",
        "another document has the same account, year and revision",
    ),
    "E_WORKER": (
        "校验该记录时校验进程异常退出（可能内存不足或文件异常），记录未载入",
        "the checking process died while checking this document",
    ),
    "E_YEAR": ("统计年度不在允许范围内", "survey year out of range"),
    "E_XLSX": ("不是有效的 Excel 工作簿", "not a valid .xlsx workbook"),
    "E_XLSX_SHEET": ("工作簿缺少调查表的工作表", "a sheet of the survey form is missing"),
    "E_XLSX_TEMPLATE": ("模板版本或年度与本次调查不一致", "the workbook was made from another template or year"),
    "E_XLSX_VALUE": ("工作簿中的取值不在下拉列表中或重复", "a value is not in the drop-down list, or is repeated"),
    "E_XLSX_SIZE": ("工作簿过大（解压后超过 64 MB）", "the workbook unpacks to more than 64 MB"),
    "E_XLSX_EXTERNAL": ("工作簿链接了其他工作簿（外部链接）", "the workbook links to another workbook"),
}

# What is said of a file rather than of its content: listed on 数据质量 (kind "duplicate"), nothing quarantined.
NOTICES: dict[str, tuple[str, str]] = {
    "DUPLICATE": (
        "内容与已收到的文件完全相同（副本），未重复计入",
        "a copy of a file already received: not counted again",
    ),
}
