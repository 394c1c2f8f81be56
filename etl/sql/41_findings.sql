-- Grain: one row per finding on the data-quality page: document warnings of current versions,
-- warehouse checks and quarantined documents' problems, with the account's name and ancestors, the
-- rule's text and the document's source (file, or batch file#line), stored in the order the page lists
-- them (a national year has tens of thousands).
create table quality_findings as
with

findings as (
    select 'warning' as kind, w.code, w.severity, w.account_id, w.survey_year, w.path, w.value, w.message_zh,
           s.source_file, null::double as deviation
    from quality_warnings as w
    inner join core_submissions as s on s.version_id = w.version_id
    where s.is_current
    union all
    select 'check', code, severity, account_id, survey_year, null, value, message_zh, null, deviation
    from quality_checks
    union all
    select 'quarantine', code, severity, account_id, survey_year, path, value, message_zh, source_file, null
    from quality_quarantine
)

select
    f.kind,
    f.code,
    f.severity,
    f.account_id,
    coalesce(a.name, '（注册表中无此账号）') as account_name,
    a.l1_id,
    a.l2_id,
    f.survey_year,
    f.path,
    f.value,
    f.message_zh,
    r.text_zh as rule_text,
    f.source_file,
    f.deviation,
    case f.kind when 'quarantine' then 0 when 'check' then 1 else 2 end as kind_order
from findings as f
left join core_accounts as a on a.account_id = f.account_id
left join meta_rules as r on r.rule_id = f.code
order by f.survey_year nulls first, kind_order, f.code, f.deviation desc nulls last, f.account_id;
comment on table quality_findings is '数据质量问题清单：软规则提示（当前版本）、仓库级核查和隔离原因各一行；kind = warning/check/quarantine；deviation = 仓库级核查偏离阈值的程度（规则自身的单位），越大越靠前';
