-- Which version of each account × year counts: the highest valid revision (A-05: finished only).
alter table core_submissions add column is_current boolean;
alter table core_submissions add column is_finished boolean;
update core_submissions set is_finished = status in ('submitted', 'approved');
update core_submissions as s
set is_current = ranked.rn = 1
from (
    select version_id,
           row_number() over (partition by account_id, survey_year order by revision desc, version_id) as rn
    from core_submissions
) as ranked
where ranked.version_id = s.version_id;
comment on column core_submissions.is_current is '是否为该账号该年度的现行版本（最高有效版次）；其余为被取代的历史版本';
comment on column core_submissions.is_finished is '状态为已提交或已审核（计入分析）';

-- Grain: one row per account × year whose current version is finished, with the basis it counts in.
create view cur_basis as
select 'finished' as basis, s.status, m.*
from core_measures as m
inner join core_submissions as s on s.version_id = m.version_id
where s.is_current and s.is_finished
union all by name
select 'approved' as basis, s.status, m.*
from core_measures as m
inner join core_submissions as s on s.version_id = m.version_id
where s.is_current and s.status = 'approved';

-- Grain: one row per scope (any account or CN) × year × basis × unit type × field × partner: rolled-up value.
-- A table sorted by scope, not a view: the dashboard filters on one scope, and DuckDB then reads only the
-- row groups of that scope (measured: national partner queries 100 ms → 6 ms at 20,000 units × 5 years).
create table mart_partner_rollup as
select
    closure.ancestor_id as scope_id,
    b.survey_year,
    b.basis,
    b.unit_type,
    v.field,
    v.partner_code,
    p.partner_scope,
    sum(v.value) as value
from cur_basis as b
inner join core_partner_values as v on v.version_id = b.version_id
inner join ref_partner_scope as p on p.partner_code = v.partner_code
inner join core_account_closure as closure on closure.descendant_id = b.account_id
group by all
order by scope_id, survey_year, field;
comment on table mart_partner_rollup is '按国家（地区）分列的逐级汇总（A-01）；partner_scope = INTL/HMT，合计 = 国际 + 港澳台（H-02）';
