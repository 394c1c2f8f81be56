-- mart_filling_status: the changed account × years are recomputed; mart_filling_rollup: their old status
-- rows are taken away from every ancestor's counts and the new ones added (the expected count stays).
-- A registry account may have no unit type, hence `is not distinct from`.
delete from mart_filling_status as f
using patch_changed as c
where f.account_id = c.account_id and f.survey_year = c.survey_year;

insert into mart_filling_status by name
select * from filling_status_of('patch_changed') order by survey_year, l1_id, l2_id, account_id;

create temp table patch_filling_delta as
with

signed as (
    select -1 as sign, account_id, survey_year, unit_type, status, on_time from patch_filling_before
    union all
    select 1 as sign, f.account_id, f.survey_year, f.unit_type, f.status, f.on_time
    from mart_filling_status as f
    semi join patch_changed as c on c.account_id = f.account_id and c.survey_year = f.survey_year
)

select
    closure.ancestor_id as scope_id,
    f.survey_year,
    case when grouping(f.unit_type) = 1 then 'ALL' else f.unit_type end as unit_type,
    coalesce(sum(sign) filter (where is_finished(f.status)), 0) as n_finished,
    coalesce(sum(sign) filter (where f.status = 'approved'), 0) as n_approved,
    coalesce(sum(sign) filter (where f.status = 'submitted'), 0) as n_submitted,
    coalesce(sum(sign) filter (where f.status = 'returned'), 0) as n_returned,
    coalesce(sum(sign) filter (where f.status = 'draft'), 0) as n_draft,
    coalesce(sum(sign) filter (where f.status = 'missing'), 0) as n_missing,
    coalesce(sum(sign) filter (where f.on_time), 0) as n_on_time
from signed as f
inner join core_account_closure as closure on closure.descendant_id = f.account_id
group by grouping sets ((closure.ancestor_id, f.survey_year), (closure.ancestor_id, f.survey_year, f.unit_type));

create temp table patch_filling_rows as
select
    o.* replace (
        o.n_finished + d.n_finished as n_finished,
        o.n_approved + d.n_approved as n_approved,
        o.n_submitted + d.n_submitted as n_submitted,
        o.n_returned + d.n_returned as n_returned,
        o.n_draft + d.n_draft as n_draft,
        o.n_missing + d.n_missing as n_missing,
        o.n_on_time + d.n_on_time as n_on_time
    )
from patch_filling_delta as d
inner join mart_filling_rollup as o
    on o.scope_id = d.scope_id and o.survey_year = d.survey_year and o.unit_type is not distinct from d.unit_type;

delete from mart_filling_rollup as t
using patch_filling_delta as d
where t.scope_id = d.scope_id and t.survey_year = d.survey_year and t.unit_type is not distinct from d.unit_type;

insert into mart_filling_rollup by name
select * from patch_filling_rows order by parent_id nulls first, scope_id, unit_type, survey_year;
