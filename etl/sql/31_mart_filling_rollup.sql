-- Grain: one row per scope (全国 and every account) × survey year × unit type ('ALL' or one type): how many
-- accounts of the scope's subtree (itself included) should report and where they stand. The progress page
-- reads one scope and its children from here instead of counting a million status rows (#6).
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
    closure.ancestor_id as scope_id,
    any_value(scope.parent_account_id) as parent_id,
    f.survey_year,
    case when grouping(f.unit_type) = 1 then 'ALL' else f.unit_type end as unit_type,
    -- The deadline of the scope itself (全国's for 全国), and the earliest that applies anywhere in its subtree.
    least(any_value(national.deadline), coalesce(any_value(own.deadline), any_value(national.deadline))) as deadline,
    case when any_value(own.deadline) < any_value(national.deadline) then any_value(own.set_by) else '全国' end
        as deadline_set_by,
    min(f.deadline) as deadline_earliest,
    count(*) as n_expected,
    count(*) filter (where is_finished(f.status)) as n_finished,
    count(*) filter (where f.status = 'approved') as n_approved,
    count(*) filter (where f.status = 'submitted') as n_submitted,
    count(*) filter (where f.status = 'returned') as n_returned,
    count(*) filter (where f.status = 'draft') as n_draft,
    count(*) filter (where f.status = 'missing') as n_missing,
    count(*) filter (where f.on_time) as n_on_time
from mart_filling_status as f
inner join core_account_closure as closure on closure.descendant_id = f.account_id
inner join core_accounts as scope on scope.account_id = closure.ancestor_id
inner join ref_deadlines as national on national.survey_year = f.survey_year
left join scope_deadlines as own on own.scope_id = closure.ancestor_id and own.survey_year = f.survey_year
group by grouping sets ((closure.ancestor_id, f.survey_year), (closure.ancestor_id, f.survey_year, f.unit_type))
order by parent_id nulls first, scope_id, unit_type, survey_year;
comment on table mart_filling_rollup is '填报进度逐级汇总：范围（全国 CN 或账号，含其全部下属账号和本账号）×年度×单位类型（ALL 为全部类型）一行';
