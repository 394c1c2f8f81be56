-- Table: mart_project_dimensions, filled one survey year at a time ($year INTEGER).
-- Grain: one row per scope with subordinates (全国, level-1 and level-2 accounts) × year × basis × unit type
-- ('ALL' or one type) × dimension ('field' | 'funding_level' | 'role' | 'coop_form' | 'status_in_year') × value:
-- project rows (SUM*, per reporting unit), distinct projects (A-09) and reportable funds. A single unit's
-- own projects are few and are counted when asked (queries/projects_by_dimension.sql).
with

projects as (
    select closure.ancestor_id as scope_id, b.survey_year, b.basis, b.unit_type, p.version_id, p.programme,
           p.project_key, p.fund_reportable, p.field, p.funding_level, p.role, p.coop_form, p.status_in_year
    from cur_basis as b
    inner join core_projects as p on p.version_id = b.version_id
    inner join core_account_closure as closure on closure.descendant_id = b.account_id
    inner join core_accounts as scope on scope.account_id = closure.ancestor_id
    where b.survey_year = $year and scope.level <= 2
),

long as materialized (
    unpivot projects
    on field, funding_level, role, coop_form, status_in_year
    into name dimension value category
),

-- Distinct projects (A-09) are the unnumbered ones, counted like rows (project_key is unique within a unit),
-- plus the numbered ones counted distinct by number. One COUNT DISTINCT over every row was 5× slower.
summed as (
    select
        scope_id,
        survey_year,
        basis,
        case when grouping(unit_type) = 1 then 'ALL' else unit_type end as unit_type,
        dimension,
        category,
        count(*) as project_rows,
        count(*) filter (where programme is null) as unnumbered,
        sum(fund_reportable) as fund_reportable
    from long
    group by grouping sets (
        (scope_id, survey_year, basis, dimension, category),
        (scope_id, survey_year, basis, unit_type, dimension, category)
    )
),

numbered as (
    select
        scope_id,
        survey_year,
        basis,
        case when grouping(unit_type) = 1 then 'ALL' else unit_type end as unit_type,
        dimension,
        category,
        count(distinct project_key) as n
    from long
    where programme is not null
    group by grouping sets (
        (scope_id, survey_year, basis, dimension, category),
        (scope_id, survey_year, basis, unit_type, dimension, category)
    )
)

select
    scope_id,
    survey_year,
    basis,
    unit_type,
    dimension,
    category,
    project_rows,
    unnumbered + coalesce(numbered.n, 0) as projects_distinct,
    fund_reportable
from summed
left join numbered using (scope_id, survey_year, basis, unit_type, dimension, category)
order by scope_id, basis, unit_type, dimension
