-- Grain: one row per dimension ('field' | 'funding_level' | 'role' | 'coop_form' | 'status_in_year') × value:
-- project rows under $scope_id in $year (SUM*, per reporting unit), distinct projects (A-09), reportable funds,
-- for a scope with subordinates (全国, level-1 and level-2 accounts), as the ETL pre-counted them.
-- Params: $scope_id VARCHAR, $year INTEGER, $basis VARCHAR, $unit_type VARCHAR.
-- A single unit is counted by unit_projects_by_dimension.sql (queries.projects_by_dimension picks).
select dimension, category, project_rows, projects_distinct, fund_reportable
from mart_project_dimensions
where scope_id = $scope_id
    and survey_year = $year
    and basis = $basis
    and unit_type = $unit_type
order by dimension, project_rows desc
