-- Grain: one row per direct child of $scope_id × survey year: the child's rolled-up indicators.
-- Params: $scope_id VARCHAR, $year_from INTEGER, $year_to INTEGER, $basis VARCHAR, $unit_type VARCHAR.
select
    accounts.account_id as child_id,
    accounts.name_short as child_name,
    accounts.level as child_level,
    accounts.admin_division_code as child_division_code,
    accounts.funder_level as child_funder_level,
    rollup.* exclude (parent_id)
from mart_rollup as rollup
inner join core_accounts as accounts on accounts.account_id = rollup.scope_id
where rollup.parent_id = $scope_id
    and rollup.survey_year between $year_from and $year_to
    and rollup.basis = $basis
    and rollup.unit_type = $unit_type
order by rollup.survey_year, accounts.account_id
