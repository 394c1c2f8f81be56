-- Grain: one row per survey year × field in $fields × partner scope (INTL / HMT): rolled-up sum for $scope_id.
-- Params: $scope_id VARCHAR, $year_from INTEGER, $year_to INTEGER, $basis VARCHAR, $unit_type VARCHAR,
--         $fields VARCHAR[].
select survey_year, field, partner_scope, sum(value) as value, count(distinct partner_code) as n_partners
from mart_partner_rollup
where scope_id = $scope_id
    and survey_year between $year_from and $year_to
    and basis = $basis
    and ($unit_type = 'ALL' or unit_type = $unit_type)
    and list_contains($fields, field)
group by all
order by survey_year, field, partner_scope
