-- Grain: one row per warehouse-level finding (rules that need more than one document) on an account × year
-- listed in the table named `keys` (account_id, survey_year). The build passes every one; a patch
-- (etl/patch.py) those a run may have changed: the changed ones, their ancestors' (F-09) and the next
-- year's (F-12, C-18 compare with last year).
create macro checks_of(keys) as table
with

wanted as (
    select distinct account_id, survey_year from query_table(keys)
),

cur as (
    select b.*, a.funder_level, a.parent_account_id, s.excluded_sources
    from cur_basis as b
    inner join core_accounts as a on a.account_id = b.account_id
    inner join core_submissions as s on s.version_id = b.version_id
    semi join (select account_id, survey_year from wanted union select account_id, survey_year - 1 from wanted) as k
        on k.account_id = b.account_id and k.survey_year = b.survey_year
    where b.basis = 'finished'
),

municipal_reporters as (
    select closure.descendant_id as account_id
    from core_accounts as a
    inner join core_account_closure as closure on closure.ancestor_id = a.account_id and closure.depth > 0
    where a.level = 2 and a.reports_municipal_funds
),

f08 as (
    select 'F-08' as code, 'H' as severity, account_id, survey_year,
           '省级财政资金在非出资单位被计入统计经费' as message_zh, fund_src_provincial::varchar as value,
           fund_src_provincial::double as deviation
    from cur
    where not list_contains(excluded_sources, 'provincial')
        and coalesce(funder_level, '') not in ('central', 'provincial') and fund_src_provincial > 0
    union all
    select 'F-08', 'H', cur.account_id, survey_year,
           '上级已单独填报市级经费，但本单位仍计入市级财政资金', fund_src_municipal::varchar, fund_src_municipal::double
    from cur
    inner join municipal_reporters as mr on mr.account_id = cur.account_id
    where not list_contains(excluded_sources, 'municipal') and fund_src_municipal > 0
),

-- What the department's subordinates filled in is its roll-up less its own row (the roll-up is exact decimal):
-- a patch then reads one row per department, not every unit of the province. The thresholds are the rule
-- catalogue's (rule_param, etl/dictionary/rules.py), as are the messages' figures (rule_param_text).
f09 as (
    select 'F-09' as code, 'S' as severity, dept.account_id, dept.survey_year,
           '辖区内单位填报的省级经费（备查）' || round(r.fund_src_provincial - dept.fund_src_provincial, 2)
               || ' 万元，超过本级省级经费的' || rule_param_text('F-09', 'max_ratio') || '倍' as message_zh,
           round(r.fund_src_provincial - dept.fund_src_provincial, 2)::varchar as value,
           (r.fund_src_provincial - dept.fund_src_provincial
               - rule_param('F-09', 'max_ratio') * dept.fund_src_provincial)::double as deviation
    from cur as dept
    inner join mart_rollup as r
        on r.scope_id = dept.account_id and r.survey_year = dept.survey_year and r.basis = 'finished'
        and r.unit_type = 'ALL'
    where dept.funder_level = 'provincial' and r.n_reported > 1
        and r.fund_src_provincial - dept.fund_src_provincial
            > rule_param('F-09', 'max_ratio') * dept.fund_src_provincial
),

-- F-12's year-on-year test also needs a material change (min_change 万元, see the rule catalogue).
-- `deviation` says how far off a finding is, in the rule's own unit, so the page can list the worst first.
-- A rise (fall) of more than p % compares cur × 100 with prev × (100 ± p): exact for whole percentages.
f12 as (
    select 'F-12' as code, 'S' as severity, cur.account_id, cur.survey_year,
           case when cur.proj_active > 0
                    and cur.fund_reportable / cur.proj_active > rule_param('F-12', 'per_project_max')
                then '每个在研项目计入统计经费 ' || round(cur.fund_reportable / cur.proj_active, 2) || ' 万元，超过'
                    || rule_param_text('F-12', 'per_project_max') || '万元'
                else '计入统计经费由上年 ' || prev.fund_reportable || ' 万元变为 ' || cur.fund_reportable || ' 万元（'
                    || case when cur.fund_reportable > prev.fund_reportable then '增长' else '下降' end
                    || round(abs(cur.fund_reportable - prev.fund_reportable) / prev.fund_reportable * 100)::bigint || '%）'
           end as message_zh,
           cur.fund_reportable::varchar as value,
           greatest(
               abs(cur.fund_reportable - coalesce(prev.fund_reportable, cur.fund_reportable)),
               case when cur.proj_active > 0
                    then cur.fund_reportable / cur.proj_active - rule_param('F-12', 'per_project_max') else 0 end
           )::double as deviation
    from cur
    left join cur as prev on prev.account_id = cur.account_id and prev.survey_year = cur.survey_year - 1
    where (cur.proj_active > 0 and cur.fund_reportable / cur.proj_active > rule_param('F-12', 'per_project_max'))
        or (prev.fund_reportable > 0
            and (cur.fund_reportable * 100 > prev.fund_reportable * (100 + rule_param('F-12', 'rise_pct'))
                 or cur.fund_reportable * 100 < prev.fund_reportable * (100 - rule_param('F-12', 'fall_pct')))
            and abs(cur.fund_reportable - prev.fund_reportable) >= rule_param('F-12', 'min_change'))
),

c18 as (
    select 'C-18' as code, 'S' as severity, cur.account_id, cur.survey_year,
           case when cur.out_groups > 0 and cur.out_person_times > rule_param('C-18', 'per_group_max') * cur.out_groups
                then '出访每团组人次超过' || rule_param_text('C-18', 'per_group_max')
                else '出访人次同比增长超过' || rule_param_text('C-18', 'rise_pct') || '%（上年 ' || prev.out_person_times
                    || ' 人次）' end as message_zh,
           cur.out_person_times::varchar as value,
           greatest(cur.out_person_times - coalesce(prev.out_person_times, cur.out_person_times),
                    cur.out_person_times - rule_param('C-18', 'per_group_max') * cur.out_groups)::double as deviation
    from cur
    left join cur as prev on prev.account_id = cur.account_id and prev.survey_year = cur.survey_year - 1
    where (cur.out_groups > 0 and cur.out_person_times > rule_param('C-18', 'per_group_max') * cur.out_groups)
        or (prev.out_person_times > 0
            and cur.out_person_times * 100 > prev.out_person_times * (100 + rule_param('C-18', 'rise_pct')))
),

found as (
    select * from f08
    union all select * from f09
    union all select * from f12
    union all select * from c18
)

select * from found semi join wanted using (account_id, survey_year);

create temp view all_account_years as select distinct account_id, survey_year from cur_basis;

create table quality_checks as
select * from checks_of('all_account_years')
union all
select code, 'H' as severity, account_id, null::integer as survey_year, message_zh, null as value,
    null::double as deviation
from quality_registry;
comment on table quality_checks is '仓库级规则检查（F-08、F-09、F-12、C-18、A-07、A-08）：跨填报记录的核查结果';
