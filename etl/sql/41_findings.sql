-- Grain: one row per finding on the data-quality page: document warnings of current versions,
-- warehouse checks, quarantined documents' problems and copies of documents met before, with the account's name and ancestors, the
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
    -- A file that could not be read (E_JSON, E_EMPTY, …) names no account inside; its name usually does
    -- (`<年度>/<账号>_r<版次>.json`): it is attributed to that account when the registry has it, so the unit's
    -- own province sees it too. Parser messages are put in Chinese.
    select 'quarantine', q.code, q.severity, coalesce(q.account_id, named.account_id),
           coalesce(q.survey_year, try_cast(regexp_extract(q.source_file, '(?:^|/)((?:19|20)[0-9]{2})/', 1) as integer)),
           q.path,
           case when q.code = 'E_JSON' and q.value is not null then
               regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(q.value,
                   '^unexpected end of data', '文件在此处意外结束（可能被截断）'),
                   '^unexpected character', '出现意外的字符'),
                   '^trailing (comma|characters)', '有多余的字符'),
                   '^invalid .*?:', '取值无效：'),
                   ':? ?line ([0-9]+) column ([0-9]+) \(char [0-9]+\)', '（第 \1 行第 \2 列）')
           else q.value end,
           q.message_zh, q.source_file, null
    from quality_quarantine as q
    left join core_accounts as named
        on q.account_id is null and named.level > 0 and named.account_id = regexp_extract(
            q.source_file, '(?:^|/)([^/#]+?)(?:_r[0-9]+[^/#]*)?\.(?:json|xlsx)$', 1)
    union all
    -- A file whose content was met before (a copy): loaded nowhere, named so the unit can be told. It belongs to
    -- the account and year of the document it repeats (none when that one could not be read).
    select 'duplicate', 'DUPLICATE', 'S', original.account_id,
           coalesce(original.survey_year,
                    try_cast(regexp_extract(copied.source_file, '(?:^|/)((?:19|20)[0-9]{2})/', 1) as integer)),
           null, original.source_file,
           '内容与已收到的文件“' || original.source_file || '”完全相同（副本），未重复计入',
           copied.source_file, null
    from meta_ledger as copied
    inner join meta_ledger as original on original.sha = copied.sha and original.outcome <> 'duplicate'
    where copied.outcome = 'duplicate'
)

select
    f.kind,
    f.code,
    f.severity,
    f.account_id,
    coalesce(a.name, case when f.account_id is null then '（文件无法读取，未能识别账号）' else '（注册表中无此账号）' end)
        as account_name,
    a.l1_id,
    a.l2_id,
    f.survey_year,
    f.path,
    f.value,
    f.message_zh,
    r.text_zh as rule_text,
    f.source_file,
    f.deviation,
    case f.kind when 'quarantine' then 0 when 'check' then 1 when 'warning' then 2 else 3 end as kind_order
from findings as f
left join core_accounts as a on a.account_id = f.account_id
left join meta_rules as r on r.rule_id = f.code
order by f.survey_year nulls first, kind_order, f.code, f.deviation desc nulls last, f.account_id;
comment on table quality_findings is '数据质量问题清单：软规则提示（当前版本）、仓库级核查、隔离原因和重复文件各一行；kind = warning/check/quarantine/duplicate；deviation = 仓库级核查偏离阈值的程度（规则自身的单位），越大越靠前';
