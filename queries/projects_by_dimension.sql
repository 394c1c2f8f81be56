-- Grain: one row per dimension ('field' | 'funding_level' | 'role' | 'coop_form' | 'status_in_year') × value:
-- project rows under $scope_id in $year (SUM*, per reporting unit), distinct projects (A-09), reportable funds.
-- Params: $scope_id VARCHAR, $year INTEGER, $basis VARCHAR, $unit_type VARCHAR.
with

projects as (
    select p.*
    from cur_basis as b
    inner join core_account_closure as closure on closure.descendant_id = b.account_id
    inner join core_projects as p on p.version_id = b.version_id
    where closure.ancestor_id = $scope_id
        and b.survey_year = $year
        and b.basis = $basis
        and ($unit_type = 'ALL' or b.unit_type = $unit_type)
),

long as (
    unpivot projects
    on field, funding_level, role, coop_form, status_in_year
    into name dimension value category
)

select
    dimension,
    category,
    count(*) as project_rows,
    count(distinct case when programme is not null then project_key else version_id || '/' || project_key end)
        as projects_distinct,
    sum(fund_reportable) as fund_reportable
from long
group by all
order by dimension, project_rows desc
