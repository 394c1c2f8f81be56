"""The survey rules (F-, C-, H-, A-) that one finished document can be checked against on its own."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from . import dictionary as d
from .dictionary.sections import DIRECTIONS, PURPOSES
from .problems import Findings, amount, said

if TYPE_CHECKING:
    from .validate import Context

TOL = d.MONEY_TOLERANCE + 1e-9  # 万元: the specification's tolerance for money equalities
# The rules' thresholds, read once from the rule catalogue (where their texts are written from them too).
MAX_DAYS = d.RULES_BY_ID["C-04"].param("max_days")  # person-days per person-time
MAX_PROBLEMS = d.RULES_BY_ID["C-22"].param("max_problems")
HARD_MUST_BREAK_DOWN = ("out_person_times", "in_person_times", "fund_src_foreign")
ACTIVITY_FIELDS = (
    ("exchange", "out_person_times"), ("exchange", "in_person_times"), ("conference", "conf_hosted"),
    ("institution", "inst_joint_total"), ("agreement", "agr_signed_year"), ("outcome", "papers_coauthored"),
)  # fmt: skip
# (field, its section) of every typed by-partner field: looked up once, not for every document.
PARTNER_FIELD_SECTIONS = tuple((f, d.section_of(f.name).key) for f in d.TYPED_PARTNER_FIELDS)


def run(doc: dict[str, Any], ctx: Context, found: Findings) -> None:
    """Run every document-level rule on a schema-valid finished document."""
    for rule in RULES:
        rule(doc, ctx, found)


def light_rules_clear(doc: dict[str, Any], ctx: Context) -> bool:
    """Whether the rules etl/rule_sql.py's query does not stand in for find nothing in the document."""
    found = Findings()
    for rule in LIGHT_RULES:
        rule(doc, ctx, found)
    return not found.items


def _profile(doc: dict, ctx: Context, found: Findings) -> None:
    p = doc["unit_profile"]
    if not ctx.reference.division_ok(p["admin_division_code"]):
        found.add("C-15", "unit_profile.admin_division_code", p["admin_division_code"], "不是有效的行政区划代码")
    if (p["unit_type"] == "enterprise") != (p.get("enterprise_ownership") is not None):
        found.add("E_SCHEMA", "unit_profile.enterprise_ownership", p.get("enterprise_ownership"),
                  "单位类型为企业时必填，其他单位类型不填", severity="H")  # fmt: skip
    if (p["intl_base_level"] != "none") != (p.get("intl_base_type") is not None):
        found.add("E_SCHEMA", "unit_profile.intl_base_type", p.get("intl_base_type"),
                  "有国际科技合作基地时必填基地类型，没有时不填", severity="H")  # fmt: skip
    staff = p["staff_total"]
    for name in ("rd_staff", "coop_staff_fulltime", "coop_staff_parttime"):
        if p[name] > staff:
            found.add("C-14", f"unit_profile.{name}", p[name], f"不能超过从业人员数 {staff}")
    for sec, name in (("talent", "foreign_fulltime"), ("talent", "staff_posted_abroad")):
        if doc[sec][name] > staff:
            found.add("C-14", f"{sec}.{name}", doc[sec][name], f"不能超过从业人员数 {staff}")


def _region(doc: dict, ctx: Context, found: Findings) -> None:
    """A-10: the unit's division code (the form's, and the registry's when it differs) lies in its parent's region."""
    acc = ctx.registry.accounts[doc["account_id"]]
    prefix = ctx.registry.region(acc.parent_account_id)
    if prefix is None:  # a ministry's (or another non-regional) account: its units may be anywhere
        return
    parent = ctx.registry.accounts[acc.parent_account_id]
    where = f"上级账号 {parent.name_short or parent.name}（{parent.admin_division_code}）的行政区划"
    code = doc["unit_profile"]["admin_division_code"]
    if not code.startswith(prefix):
        found.add("A-10", "unit_profile.admin_division_code", code, f"{code} 不在{where}内：请核对填报或账号注册表")
    if acc.admin_division_code != code and not acc.admin_division_code.startswith(prefix):
        found.add("A-10", "account_id", acc.admin_division_code,
                  f"账号注册表中本账号的行政区划代码 {acc.admin_division_code} 不在{where}内：请更正账号注册表")  # fmt: skip


def _exchange(doc: dict, ctx: Context, found: Findings) -> None:
    x = doc["exchange"]
    for dr in DIRECTIONS:
        groups, pt = x[f"{dr}_groups"], x[f"{dr}_person_times"]
        if (groups == 0) != (pt == 0) or pt < groups:
            found.add(
                "C-01", f"exchange.{dr}_person_times", pt, f"与团组数 {groups} 不一致（人次应 ≥ 团组数，且同时为0）"
            )
        purposes = sum(x[f"{dr}_pt_{p}"] for p in PURPOSES)
        if purposes != pt:
            found.add("C-02", f"exchange.{dr}_pt_*", purposes, f"各交流目的人次之和 {purposes} ≠ 人次 {pt}")
        days = x.get(f"{dr}_person_days")
        if days is not None and not pt <= days <= MAX_DAYS * pt:
            found.add("C-04", f"exchange.{dr}_person_days", days, f"应在人次 {pt} 与 {MAX_DAYS}×人次之间")
        for name in (f"{dr}_pt_long_term", f"{dr}_pt_senior"):
            if (x.get(name) or 0) > pt:
                found.add("C-05", f"exchange.{name}", x[name], f"不能超过人次 {pt}")


def _by_partner(doc: dict, ctx: Context, found: Findings) -> None:
    """C-03/C-03b/F-10 sums, H-02 HMT subtotals, C-15 codes, C-19 review flags."""
    bp = doc.get("by_partner") or {}
    scope, no_relations = ctx.reference.partner_scope, ctx.reference.no_relations
    for f, section in PARTNER_FIELD_SECTIONS:
        total = doc[section].get(f.name)  # an optional field may be left out
        rows = bp.get(f.name)
        if rows is None:
            if f.name in HARD_MUST_BREAK_DOWN and (total or 0) > 0:
                code = "F-10" if f.name == "fund_src_foreign" else "C-03"
                found.add(code, f"by_partner.{f.name}", None, f"合计 {said(f, total)} > 0，须按国家（地区）分列")
            continue
        # Most breakdowns hold only valid codes of partners with relations: two set tests instead of a loop.
        flagged = not scope.keys() >= rows.keys() or not no_relations.isdisjoint(rows)
        for code in rows if flagged else ():
            if code not in scope:
                found.add("C-15", f"by_partner.{f.name}.{code}", code,
                          "不是有效的国家（地区）代码" + ("（CHN 不能作为合作方）" if code == "CHN" else ""))  # fmt: skip
            elif code in no_relations and rows[code] > 0:
                found.add("C-19", f"by_partner.{f.name}.{code}", code, "该国与我国无外交关系，请复核")
        if total is None:  # nothing to reconcile the breakdown with
            continue
        s = sum(rows.values())
        if f.by_partner == "additive" and abs(s - total) > (TOL if f.kind == "money" else 0):
            code = "F-10" if f.name == "fund_src_foreign" else "C-03"
            found.add(code, f"by_partner.{f.name}", round(s, 2), f"分列之和 {said(f, s)} ≠ 合计 {said(f, total)}")
        if f.by_partner == "multi" and rows and (s < total or max(rows.values()) > total):
            found.add(
                "C-03b", f"by_partner.{f.name}", s, f"分列之和应 ≥ 合计 {said(f, total)}，且任一国家（地区） ≤ 合计"
            )
    x = doc["exchange"]
    for dr in DIRECTIONS:
        hmt = x.get(f"{dr}_person_times_hmt")
        if hmt is not None:
            s = sum(v for c, v in (bp.get(f"{dr}_person_times") or {}).items() if scope.get(c) == "HMT")
            if s != hmt:
                found.add(
                    "H-02", f"exchange.{dr}_person_times_hmt", hmt, f"≠ 分列中中国香港、中国澳门、中国台湾之和 {s}"
                )


def _conference(doc: dict, ctx: Context, found: Findings) -> None:
    c = doc["conference"]
    if c["conf_hosted"] == 0 and c["conf_participants"] > 0:
        found.add("C-11", "conference.conf_participants", c["conf_participants"], "未主办会议，参会人次应为0")
    if c["conf_participants_foreign"] + c["conf_participants_hmt"] > c["conf_participants"]:
        found.add("C-11", "conference.conf_participants_foreign", c["conf_participants_foreign"],
                  f"境外与港澳台参会人次之和超过参会总人次 {c['conf_participants']}")  # fmt: skip
    if c["conf_online"] > c["conf_hosted"]:
        found.add("C-11", "conference.conf_online", c["conf_online"], f"不能超过会议数 {c['conf_hosted']}")


# The amounts F-01 looks at in each group, in the dictionary's order (findings come in that order, however the
# document orders its keys): every amount of `funding`, the `fund_…` amounts of a detail row.
MONEY_KEYS = {g.key: tuple(f.name for f in g.fields if f.kind == "money" and (g.key == "funding" or f.name.startswith("fund_")))
              for g in d.GROUPS}  # fmt: skip


def _off_cent(row: dict[str, Any], group: str) -> list[tuple[str, float]]:
    """F-01: (key, amount) of every amount of `group` (MONEY_KEYS) in `row` with more than two decimals."""
    return [(k, v) for k in MONEY_KEYS[group]
            if isinstance(v := row.get(k), float) and not abs(round(c := v * 100) - c) < 1e-6]  # fmt: skip


def _projects(doc: dict, ctx: Context, found: Findings) -> None:
    year = doc["survey_year"]
    keys = Counter(p["project_key"] for p in doc.get("projects") or [])
    src_sum = dict.fromkeys(d.FUND_SOURCES, 0.0)
    for i, p in enumerate(doc.get("projects") or []):
        at = f"projects[{i}]"
        if keys[p["project_key"]] > 1:
            found.add("A-09", f"{at}.project_key", p["project_key"], "项目编号在本单位内重复")
        if not (p.get("partner_codes") or p.get("org_codes")):
            found.add("C-06", f"{at}.partner_codes", None, "每个项目至少有一个合作国家（地区）或国际组织")
        for code in p.get("partner_codes") or []:
            if code not in ctx.reference.partner_scope:
                found.add("C-15", f"{at}.partner_codes", code, "不是有效的国家（地区）代码")
        for code in p.get("org_codes") or []:
            if code not in ctx.reference.org_codes:
                found.add("C-15", f"{at}.org_codes", code, "不是有效的国际组织代码")
        if p["start_date"] > p["end_date"]:
            found.add("C-16", f"{at}.end_date", str(p["end_date"]), "结束日期早于开始日期")
        if p["status_in_year"] == "new" and p["start_date"].year != year:
            found.add("C-16", f"{at}.start_date", str(p["start_date"]), f"新立项项目应在 {year} 年开始")
        if p["status_in_year"] == "completed" and p["end_date"].year != year:
            found.add("C-16", f"{at}.end_date", str(p["end_date"]), f"结题项目应在 {year} 年结束")
        srcs = sum(p[f"fund_src_{s}"] for s in d.FUND_SOURCES)
        if abs(srcs - p["fund_total_contract"]) > TOL:
            found.add("F-05", f"{at}.fund_total_contract", p["fund_total_contract"], f"≠ 各来源之和 {amount(srcs)}")
        for s in d.FUND_SOURCES:
            src_sum[s] += p[f"fund_src_{s}"]
    for s, zh in zip(d.FUND_SOURCES, d.FUND_SOURCES_ZH, strict=True):
        if src_sum[s] > doc["funding"][f"fund_src_{s}"] + TOL:
            found.add("F-06", f"funding.fund_src_{s}", doc["funding"][f"fund_src_{s}"],
                      f"项目{zh}之和 {round(src_sum[s], 2)} 超过本单位{zh}")  # fmt: skip


def reportable(amounts: dict[str, float], prefix: str, excluded: frozenset[str]) -> float:
    """F-03: the sum of the sources not in excl(u), to the cent (added in FUND_SOURCES order, as always)."""
    keys = _REPORTABLE_KEYS.get((prefix, excluded))
    if keys is None:  # a handful of (prefix, excl(u)) pairs: keys spelt once, not for every project of every document
        keys = _REPORTABLE_KEYS[(prefix, excluded)] = tuple(f"{prefix}{s}" for s in d.FUND_SOURCES if s not in excluded)
    return round(sum(map(amounts.__getitem__, keys)), 2)


_REPORTABLE_KEYS: dict[tuple[str, frozenset[str]], tuple[str, ...]] = {}


def _funding(doc: dict, ctx: Context, found: Findings) -> None:
    f = doc["funding"]
    # A path is spelt out only for an amount that fails (most documents have none).
    money = [(f"funding.{k}", v) for k, v in _off_cent(f, "funding")]
    for key in ("projects", "big_science"):
        for i, row in enumerate(doc.get(key) or []):
            if off := _off_cent(row, key):
                money += [(f"{key}[{i}].{k}", v) for k, v in off]
    for path, v in money:
        found.add("F-01", path, v, "金额最多保留两位小数（万元）")
    srcs = sum(f[f"fund_src_{s}"] for s in d.FUND_SOURCES)
    if abs(srcs - f["fund_total_all"]) > TOL:
        found.add("F-02", "funding.fund_total_all", f["fund_total_all"], f"≠ 各来源之和 {amount(srcs)}")
    excluded = ctx.registry.excluded_sources(doc["account_id"], ctx.config)
    computed = reportable(f, "fund_src_", excluded)
    typed = f.get("fund_reportable")
    if typed is not None and abs(typed - computed) > TOL:
        lenient = {reportable(f, "fund_src_", frozenset(x)) for x in ((), ("central",), ("central", "provincial"))}
        missed = "、".join(zh for s, zh in zip(d.FUND_SOURCES, d.FUND_SOURCES_ZH, strict=True) if s in excluded)
        if round(typed, 2) in lenient and excluded:
            found.add("F-04", "funding.fund_reportable", typed, f"未按要求剔除{missed}（应为 {amount(computed)}）")
        else:
            found.add("F-03", "funding.fund_reportable", typed, f"≠ 系统计算值 {amount(computed)}")
    uses = f["fund_on_exchange"] + f["fund_on_projects"] + f["fund_on_platforms"]
    if uses > computed + TOL:
        found.add(
            "F-13", "funding.fund_on_exchange", round(uses, 2), f"经费用途之和超过计入统计经费 {amount(computed)}"
        )
    if doc["unit_profile"]["unit_type"] == "enterprise" and computed == 0 and doc.get("projects"):
        found.add("F-11", "funding.fund_reportable", 0, "企业有在研国际合作项目，但计入统计经费为0")


def _institutions(doc: dict, ctx: Context, found: Findings) -> None:
    i = doc["institution"]
    types = i["inst_joint_lab"] + i["inst_tech_transfer"] + i["inst_incubator"] + i["inst_other"]
    if types != i["inst_joint_total"]:
        found.add("C-09", "institution.inst_joint_total", i["inst_joint_total"], f"≠ 各类型之和 {types}")
    for name in ("inst_overseas", "inst_new"):
        if i[name] > i["inst_joint_total"]:
            found.add("C-09", f"institution.{name}", i[name], f"不能超过共建机构总数 {i['inst_joint_total']}")
    if i["inst_bri_joint_lab"] > i["inst_joint_lab"]:
        found.add("C-09", "institution.inst_bri_joint_lab", i["inst_bri_joint_lab"], "不能超过联合实验室数")


def _agreements_orgs(doc: dict, ctx: Context, found: Findings) -> None:
    a, o = doc["agreement"], doc["intl_org"]
    if a["agr_in_force"] < a["agr_signed_year"]:
        found.add("C-08", "agreement.agr_in_force", a["agr_in_force"], f"少于本年新签协议 {a['agr_signed_year']}")
    by_type = a["agr_by_type_gov"] + a["agr_by_type_institution"] + a["agr_by_type_enterprise"]
    if by_type != a["agr_signed_year"]:
        found.add("C-20", "agreement.agr_signed_year", a["agr_signed_year"], f"≠ 按类型分列之和 {by_type}")
    if o["org_positions"] < o["org_persons"]:
        found.add("C-10", "intl_org.org_positions", o["org_positions"], f"少于任职人员 {o['org_persons']}")
    if o["org_positions_senior"] > o["org_positions"]:
        found.add("C-10", "intl_org.org_positions_senior", o["org_positions_senior"], "超过任职岗位数")
    if o["org_persons"] > doc["unit_profile"]["staff_total"]:
        found.add("C-10", "intl_org.org_persons", o["org_persons"], "超过从业人员数")
    rows = doc.get("intl_orgs") or ()
    orgs = Counter(r["org_code"] for r in rows) if rows else {}
    for i, r in enumerate(rows):
        if r["org_code"] not in ctx.reference.org_codes:
            found.add("C-15", f"intl_orgs[{i}].org_code", r["org_code"], "不是有效的国际组织代码")
        elif orgs[r["org_code"]] > 1 and r["org_code"] != "OTHER":
            found.add("A-02", f"intl_orgs[{i}].org_code", r["org_code"], "同一国际组织重复填报")


def _outcome(doc: dict, ctx: Context, found: Findings) -> None:
    o = doc["outcome"]
    if o["patents_pct"] > o["patents_joint"]:
        found.add("C-12", "outcome.patents_pct", o["patents_pct"], f"超过联合专利 {o['patents_joint']}")
    if (o["tt_contracts"] == 0) != (o["tt_contract_value"] == 0):
        found.add("C-12", "outcome.tt_contract_value", o["tt_contract_value"],
                  f"与合同数 {o['tt_contracts']} 不一致（同为0或同不为0）")  # fmt: skip


def _monitoring(doc: dict, ctx: Context, found: Findings) -> None:
    """Standards, big science, talent and policy (§10–§13)."""
    for key, code_field, valid in (
        ("standards", "standard_no", None),
        ("big_science", "programme_code", ctx.reference.programme_codes),
    ):
        rows = doc.get(key)
        if not rows:  # most units report neither: no Counter to build
            continue
        seen = Counter(r[code_field] for r in rows)
        for i, r in enumerate(rows):
            if valid is not None and r[code_field] not in valid:
                found.add("C-15", f"{key}[{i}].{code_field}", r[code_field], "不在参考代码表中")
            elif seen[r[code_field]] > 1 and r[code_field] != "OTHER":
                found.add("A-02", f"{key}[{i}].{code_field}", r[code_field], "同一编号重复填报（去重键）")
            for pc in r.get("partner_codes") or []:
                if pc not in ctx.reference.partner_scope:
                    found.add("C-15", f"{key}[{i}].partner_codes", pc, "不是有效的国家（地区）代码")
    t = doc["talent"]
    if t["young_foreign_scientists"] > t["foreign_fulltime"] + t["foreign_visiting"]:
        found.add(
            "C-21", "talent.young_foreign_scientists", t["young_foreign_scientists"], "超过外籍全职与访问学者之和"
        )
    pol = doc["policy"]
    if not pol["has_support_policy"] and pol["policy_count_year"] > 0:
        found.add("C-22", "policy.policy_count_year", pol["policy_count_year"], "未出台支持政策时应为0")
    if len(pol.get("problems") or []) > MAX_PROBLEMS:
        found.add("C-22", "policy.problems", pol["problems"], f"最多选择{MAX_PROBLEMS}项")


def _activity_flag(doc: dict, ctx: Context, found: Findings) -> None:
    active = any(doc[s][f] > 0 for s, f in ACTIVITY_FIELDS) or bool(doc.get("projects"))
    flag = doc["unit_profile"]["has_intl_activity"]
    if active != flag:
        found.add("C-17", "unit_profile.has_intl_activity", flag,
                  "与填报的活动数不一致" + ("（有活动数却填“未开展”）" if active else "（填“已开展”但各项活动为0）"))  # fmt: skip


# In the order their findings are listed.
RULES = (_profile, _region, _exchange, _by_partner, _conference, _projects, _funding, _institutions, _agreements_orgs,
         _outcome, _monitoring, _activity_flag)  # fmt: skip
# The groups etl/rule_sql.py's query stands in for (it can only clear a document; one it names is checked again here).
IN_SQL = (_exchange, _by_partner, _projects, _funding)
LIGHT_RULES = tuple(rule for rule in RULES if rule not in IN_SQL)
