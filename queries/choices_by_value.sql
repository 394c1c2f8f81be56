-- Grain: one row per multiple-choice field ('policy_types' | 'problems') × option: reporting units under
-- $scope_id in $year that chose it (COUNT_UNITS).
-- Params: $scope_id VARCHAR, $year INTEGER, $basis VARCHAR, $unit_type VARCHAR.
select c.field, c.value, count(distinct b.account_id) as n_units
from cur_basis as b
inner join core_account_closure as closure on closure.descendant_id = b.account_id
inner join core_choices as c on c.version_id = b.version_id
where closure.ancestor_id = $scope_id
    and b.survey_year = $year
    and b.basis = $basis
    and ($unit_type = 'ALL' or b.unit_type = $unit_type)
group by all
order by c.field, n_units desc
