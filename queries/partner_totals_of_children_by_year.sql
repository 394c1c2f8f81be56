-- Grain: one row per direct child of $scope_id × survey year × field in $fields × partner scope (INTL / HMT):
-- Params: $scope_id VARCHAR, $year_from INTEGER, $year_to INTEGER, $basis VARCHAR, $unit_type VARCHAR, $fields VARCHAR[].
-- the child's rolled-up sum, so a ranking of children can honour the 国际 / 港澳台 filter as the KPI beside it does.
select p.scope_id as child_id, p.survey_year, p.field, p.partner_scope, sum(p.value) as value
from mart_partner_rollup as p
semi join core_accounts as a on a.account_id = p.scope_id and a.parent_account_id = $scope_id
where p.survey_year between $year_from and $year_to
    and p.basis = $basis
    and ($unit_type = 'ALL' or p.unit_type = $unit_type)
    and list_contains($fields, p.field)
group by all
order by p.survey_year, child_id, p.field, p.partner_scope
