-- Grain: one row per scope (全国 and every account) × survey year × unit type ('ALL' or one type): how many
-- accounts of the scope's subtree (itself included) should report and where they stand. The progress page
-- reads one scope and its children from here instead of counting a million status rows (#6).

-- The counts, written once over `signed`: status rows of mart_filling_status with a sign (+1 here; a patch passes
-- -1 for an account × year's status before the run and +1 for its status now, etl/sql/patch/50_filling.sql).
create macro filling_counts_of(signed) as table
select
    closure.ancestor_id as scope_id,
    f.survey_year,
    case when grouping(f.unit_type) = 1 then 'ALL' else f.unit_type end as unit_type,
    min(f.deadline) as deadline_earliest,
    cast(sum(f.sign) as bigint) as n_expected,
    cast(coalesce(sum(f.sign) filter (where is_finished(f.status)), 0) as bigint) as n_finished,
    cast(coalesce(sum(f.sign) filter (where f.status = 'approved'), 0) as bigint) as n_approved,
    cast(coalesce(sum(f.sign) filter (where f.status = 'submitted'), 0) as bigint) as n_submitted,
    cast(coalesce(sum(f.sign) filter (where f.status = 'returned'), 0) as bigint) as n_returned,
    cast(coalesce(sum(f.sign) filter (where f.status = 'draft'), 0) as bigint) as n_draft,
    cast(coalesce(sum(f.sign) filter (where f.status = 'missing'), 0) as bigint) as n_missing,
    cast(coalesce(sum(f.sign) filter (where f.on_time), 0) as bigint) as n_on_time
from query_table(signed) as f
inner join core_account_closure as closure on closure.descendant_id = f.account_id
group by grouping sets ((closure.ancestor_id, f.survey_year), (closure.ancestor_id, f.survey_year, f.unit_type));

create temp view filling_signed as select 1 as sign, * from mart_filling_status;

create table mart_filling_rollup as
with

scope_deadlines as (  -- the earliest deadline an account or one of its ancestors set for itself
    select closure.descendant_id as scope_id, d.survey_year, min(d.deadline) as deadline,
        arg_min(setter.name, d.deadline) as set_by
    from ref_account_deadlines as d
    inner join core_account_closure as closure on closure.ancestor_id = d.account_id
    inner join core_accounts as setter on setter.account_id = d.account_id
    group by all
)

select
    c.scope_id,
    scope.parent_account_id as parent_id,
    c.survey_year,
    c.unit_type,
    -- The deadline of the scope itself (全国's for 全国), and the earliest that applies anywhere in its subtree.
    least(national.deadline, coalesce(own.deadline, national.deadline)) as deadline,
    case when own.deadline < national.deadline then own.set_by else '全国' end as deadline_set_by,
    c.* exclude (scope_id, survey_year, unit_type)
from filling_counts_of('filling_signed') as c
inner join core_accounts as scope on scope.account_id = c.scope_id
inner join ref_deadlines as national on national.survey_year = c.survey_year
left join scope_deadlines as own on own.scope_id = c.scope_id and own.survey_year = c.survey_year
order by parent_id nulls first, scope_id, unit_type, survey_year;
comment on table mart_filling_rollup is '填报进度逐级汇总：范围（全国 CN 或账号，含其全部下属账号和本账号）×年度×单位类型（ALL 为全部类型）一行';
drop view filling_signed;
