-- Grain: one row per multiple-choice field ('policy_types' | 'problems') × option: reporting units under
-- $scope_id in $year that chose it (COUNT_UNITS).
-- Params: $scope_id VARCHAR, $year INTEGER, $basis VARCHAR, $unit_type VARCHAR.
-- Scopes with subordinates read the ETL's mart_choices; a single unit (level 3) is read here.
select field, value, n_units
from mart_choices
where scope_id = $scope_id
    and survey_year = $year
    and basis = $basis
    and unit_type = $unit_type
union all
select c.field, c.value, count(distinct b.account_id) as n_units
from core_accounts as u  -- one row when the scope is a unit, none otherwise: then nothing else is read
inner join cur_basis as b on b.account_id = u.account_id
inner join core_choices as c on c.version_id = b.version_id
where u.account_id = $scope_id
    and u.level = 3
    and b.account_id = $scope_id  -- also as filters, so the scans read only this unit's row groups
    and c.account_id = $scope_id
    and c.survey_year = $year
    and b.survey_year = $year
    and b.basis = $basis
    and ($unit_type = 'ALL' or b.unit_type = $unit_type)
group by all
order by field, n_units desc
