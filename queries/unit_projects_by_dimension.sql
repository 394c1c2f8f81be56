-- Grain: one row per dimension ('field' | 'funding_level' | 'role' | 'coop_form' | 'status_in_year') × value:
-- the project rows of the single unit (level 3) $scope_id in $year, its distinct projects (A-09) and reportable
-- funds; empty for any other scope (those are pre-counted in mart_project_dimensions).
-- Params: $scope_id VARCHAR, $year INTEGER, $basis VARCHAR, $unit_type VARCHAR.
with

unit_scope as (
    select account_id from core_accounts where account_id = $scope_id and level = 3
),

unit_projects as (
    select p.*
    from unit_scope as u
    inner join cur_basis as b on b.account_id = u.account_id
    inner join core_projects as p on p.version_id = b.version_id
    where b.account_id = $scope_id  -- also as filters, so the scans read only this unit's row groups
        and p.account_id = $scope_id
        and p.survey_year = $year
        and b.survey_year = $year
        and b.basis = $basis
        and ($unit_type = 'ALL' or b.unit_type = $unit_type)
),

unit_long as (
    unpivot unit_projects
    on field, funding_level, role, coop_form, status_in_year
    into name dimension value category
),

unit_rows as (
    select
        dimension,
        category,
        count(*) as project_rows,
        count(distinct project_identity(programme, project_key, version_id)) as projects_distinct,
        sum(fund_reportable) as fund_reportable
    from unit_long
    group by all
)

select dimension, category, project_rows, projects_distinct, fund_reportable
from unit_rows
order by dimension, project_rows desc
