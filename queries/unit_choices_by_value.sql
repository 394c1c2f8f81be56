-- Grain: one row per multiple-choice field ('policy_types' | 'problems') × option the single unit (level 3)
-- $scope_id chose in $year (n_units = 1); empty for any other scope (those are pre-counted in mart_choices).
-- Params: $scope_id VARCHAR, $year INTEGER, $basis VARCHAR, $unit_type VARCHAR.
select c.field, c.value, count(distinct b.account_id) as n_units
from core_accounts as u
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
