-- Grain: one row per multiple-choice field ('policy_types' | 'problems') × option: reporting units under
-- $scope_id in $year that chose it (COUNT_UNITS), for a scope with subordinates, as the ETL pre-counted them.
-- Params: $scope_id VARCHAR, $year INTEGER, $basis VARCHAR, $unit_type VARCHAR.
-- A single unit's own choices are read by unit_choices_by_value.sql (queries.choices_by_value picks).
select field, value, n_units
from mart_choices
where scope_id = $scope_id
    and survey_year = $year
    and basis = $basis
    and unit_type = $unit_type
order by field, n_units desc
