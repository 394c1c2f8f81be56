-- Grain: one row per survey year in [$year_from, $year_to]: every rolled-up indicator of $scope_id.
-- Params: $scope_id VARCHAR, $year_from INTEGER, $year_to INTEGER, $basis VARCHAR ('finished' | 'approved'),
--         $unit_type VARCHAR ('ALL' or a unit type).
select * exclude (parent_id)
from mart_rollup
where scope_id = $scope_id
    and survey_year between $year_from and $year_to
    and basis = $basis
    and unit_type = $unit_type
order by survey_year
