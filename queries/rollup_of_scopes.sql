-- Grain: one row per scope in $scope_ids × survey year: rolled-up indicators, for side-by-side comparison.
-- Params: $scope_ids VARCHAR[], $year_from INTEGER, $year_to INTEGER, $basis VARCHAR, $unit_type VARCHAR.
select accounts.name_short as scope_name, rollup.* exclude (parent_id)
from mart_rollup as rollup
inner join core_accounts as accounts on accounts.account_id = rollup.scope_id
where list_contains($scope_ids, rollup.scope_id)
    and rollup.survey_year between $year_from and $year_to
    and rollup.basis = $basis
    and rollup.unit_type = $unit_type
order by rollup.survey_year, rollup.scope_id
