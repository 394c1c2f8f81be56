-- mart_project_dimensions: project rows and funds are added. Distinct projects (A-09) are the unnumbered
-- ones, added like rows, plus the numbered ones: a programme number the run touched counts in a group
-- when some current row there carries it, and counted before when that many rows minus the run's did.
-- Grain: one row per signed project row × scope with subordinates × dimension: joined and unpivoted once
-- for both aggregates below.
create temp table patch_project_long as
with

projects as (
    select closure.ancestor_id as scope_id, b.survey_year, b.basis, b.unit_type, b.sign, p.programme,
           p.project_key, p.fund_reportable, p.field, p.funding_level, p.role, p.coop_form, p.status_in_year
    from patch_signed_basis as b
    inner join core_projects as p on p.version_id = b.version_id
    inner join core_account_closure as closure on closure.descendant_id = b.account_id
    inner join core_accounts as scope on scope.account_id = closure.ancestor_id and scope.level <= 2
)

unpivot projects
on field, funding_level, role, coop_form, status_in_year
into name dimension value category;

create temp table patch_project_delta as
select
    scope_id,
    survey_year,
    basis,
    case when grouping(unit_type) = 1 then 'ALL' else unit_type end as unit_type,
    dimension,
    category,
    sum(sign) as project_rows,
    coalesce(sum(sign) filter (where programme is null), 0) as unnumbered,
    sum(sign * fund_reportable) as fund_reportable
from patch_project_long
group by grouping sets (
    (scope_id, survey_year, basis, dimension, category),
    (scope_id, survey_year, basis, unit_type, dimension, category)
);

create temp table patch_numbered_delta as
select
    scope_id,
    survey_year,
    basis,
    case when grouping(unit_type) = 1 then 'ALL' else unit_type end as unit_type,
    dimension,
    category,
    project_key,
    sum(sign) as rows_moved
from patch_project_long
where programme is not null
group by grouping sets (
    (scope_id, survey_year, basis, dimension, category, project_key),
    (scope_id, survey_year, basis, unit_type, dimension, category, project_key)
);

-- Current rows of the touched programme numbers only (cur_basis for their versions: a scan of every
-- current version is many times slower).
create temp table patch_numbered_now as
with

numbered as (
    select p.version_id, p.project_key, p.field, p.funding_level, p.role, p.coop_form, p.status_in_year
    from core_projects as p
    where p.programme is not null and p.project_key in (select project_key from patch_numbered_delta)
),

basis as (
    select 'finished' as basis, s.version_id, s.account_id, s.survey_year
    from core_submissions as s
    semi join numbered as n on n.version_id = s.version_id
    where s.is_current and s.is_finished
    union all
    select 'approved', s.version_id, s.account_id, s.survey_year
    from core_submissions as s
    semi join numbered as n on n.version_id = s.version_id
    where s.is_current and s.status = 'approved'
),

projects as (
    select closure.ancestor_id as scope_id, b.survey_year, b.basis, m.unit_type, p.project_key,
           p.field, p.funding_level, p.role, p.coop_form, p.status_in_year
    from basis as b
    inner join numbered as p on p.version_id = b.version_id
    inner join core_measures as m on m.version_id = b.version_id
    inner join core_account_closure as closure on closure.descendant_id = b.account_id
    inner join core_accounts as scope on scope.account_id = closure.ancestor_id and scope.level <= 2
),

long as (
    unpivot projects
    on field, funding_level, role, coop_form, status_in_year
    into name dimension value category
)

select
    scope_id,
    survey_year,
    basis,
    case when grouping(unit_type) = 1 then 'ALL' else unit_type end as unit_type,
    dimension,
    category,
    project_key,
    count(*) as n_rows
from long
group by grouping sets (
    (scope_id, survey_year, basis, dimension, category, project_key),
    (scope_id, survey_year, basis, unit_type, dimension, category, project_key)
);

create temp table patch_numbered_change as
select
    d.scope_id,
    d.survey_year,
    d.basis,
    d.unit_type,
    d.dimension,
    d.category,
    sum(cast(coalesce(n.n_rows, 0) > 0 as integer) - cast(coalesce(n.n_rows, 0) - d.rows_moved > 0 as integer)) as n
from patch_numbered_delta as d
left join patch_numbered_now as n using (scope_id, survey_year, basis, unit_type, dimension, category, project_key)
group by all;

create temp table patch_project_rows as
select
    d.scope_id,
    d.survey_year,
    d.basis,
    d.unit_type,
    d.dimension,
    d.category,
    coalesce(o.project_rows, 0) + d.project_rows as project_rows,
    coalesce(o.projects_distinct, 0) + d.unnumbered + coalesce(nc.n, 0) as projects_distinct,
    coalesce(o.fund_reportable, 0) + d.fund_reportable as fund_reportable
from patch_project_delta as d
left join mart_project_dimensions as o using (scope_id, survey_year, basis, unit_type, dimension, category)
left join patch_numbered_change as nc using (scope_id, survey_year, basis, unit_type, dimension, category)
-- A category whose project rows came and went in equal numbers, with the same funds, stays as it is.
where d.project_rows <> 0 or d.unnumbered <> 0 or d.fund_reportable is distinct from 0 or coalesce(nc.n, 0) <> 0;

delete from mart_project_dimensions as t
using patch_project_rows as d
where t.scope_id = d.scope_id and t.survey_year = d.survey_year and t.basis = d.basis and t.unit_type = d.unit_type
    and t.dimension = d.dimension and t.category = d.category;

insert into mart_project_dimensions by name
select * from patch_project_rows where project_rows > 0 order by survey_year, scope_id, basis, unit_type, dimension;
