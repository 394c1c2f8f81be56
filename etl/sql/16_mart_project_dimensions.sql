-- Table: mart_project_dimensions, filled one survey year at a time ($year INTEGER).
-- Grain: one row per scope with subordinates (全国, level-1 and level-2 accounts) × year × basis × unit type
-- ('ALL' or one type) × dimension ('field' | 'funding_level' | 'role' | 'coop_form' | 'status_in_year') × value:
-- project rows (SUM*, per reporting unit), distinct projects (A-09) and reportable funds. A single unit's
-- own projects are few and are counted when asked (queries/projects_by_dimension.sql).
with

projects as (
    select closure.ancestor_id as scope_id, b.survey_year, b.basis, b.unit_type, p.* exclude (survey_year)
    from cur_basis as b
    inner join core_projects as p on p.version_id = b.version_id
    inner join core_account_closure as closure on closure.descendant_id = b.account_id
    inner join core_accounts as scope on scope.account_id = closure.ancestor_id
    where b.survey_year = $year and scope.level <= 2
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
    count(*) as project_rows,
    count(distinct project_identity(programme, project_key, version_id)) as projects_distinct,
    sum(fund_reportable) as fund_reportable
from long
group by grouping sets (
    (scope_id, survey_year, basis, dimension, category),
    (scope_id, survey_year, basis, unit_type, dimension, category)
)
order by scope_id, basis, unit_type, dimension
