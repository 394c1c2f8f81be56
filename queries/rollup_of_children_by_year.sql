-- Grain: one row per direct child of $scope_id × survey year: the child's rolled-up indicators.
-- Params: $scope_id VARCHAR, $year_from INTEGER, $year_to INTEGER, $basis VARCHAR, $unit_type VARCHAR,
-- $fields VARCHAR[] (the indicators wanted, checked against the dictionary; NULL = all 100 of them).
-- A page wants one or two indicators: returning 110 columns costs more than finding the rows (20 vs 8 ms).
select
    accounts.account_id as child_id,
    accounts.name_short as child_name,
    accounts.level as child_level,
    accounts.admin_division_code as child_division_code,
    accounts.funder_level as child_funder_level,
    rollup.*
from (
    select columns(lambda c: c <> 'parent_id' and (c in ('scope_id', 'survey_year', 'basis', 'unit_type')
                                                  or $fields is null or list_contains($fields, c)))
    from mart_rollup
    where parent_id = $scope_id
        and survey_year between $year_from and $year_to
        and basis = $basis
        and unit_type = $unit_type
) as rollup
inner join core_accounts as accounts on accounts.account_id = rollup.scope_id
order by rollup.survey_year, accounts.account_id
