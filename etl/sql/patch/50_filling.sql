-- mart_filling_status: the changed account × years are recomputed; mart_filling_rollup: their old status
-- rows are taken away from every ancestor's counts and the new ones added (filling_counts_of, 31_mart_filling_rollup.sql;
-- the deadlines stay).
-- A registry account may have no unit type, hence `is not distinct from`.
delete from mart_filling_status as f
using patch_changed as c
where f.account_id = c.account_id and f.survey_year = c.survey_year;

insert into mart_filling_status by name
select * from filling_status_of('patch_changed') order by survey_year, l1_id, l2_id, account_id;

create temp table patch_filling_signed as
select -1 as sign, * from patch_filling_before
union all by name
select 1 as sign, f.*
from mart_filling_status as f
semi join patch_changed as c on c.account_id = f.account_id and c.survey_year = f.survey_year;

create temp table patch_filling_delta as
select * from filling_counts_of('patch_filling_signed');

create temp table patch_filling_rows as
select
    o.* replace (
        o.n_expected + d.n_expected as n_expected,
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
