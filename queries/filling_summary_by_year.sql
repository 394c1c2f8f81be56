-- Grain: one row per survey year in [$year_from, $year_to]: accounts under $scope_id (itself included)
-- that should report (应报), have reported (已报 = submitted or approved), are approved, and were on time.
-- Params: $scope_id VARCHAR, $year_from INTEGER, $year_to INTEGER, $unit_type VARCHAR.
select
    f.survey_year,
    any_value(f.deadline) as deadline,
    count(*) as n_expected,
    count(*) filter (where f.status in ('submitted', 'approved')) as n_finished,
    count(*) filter (where f.status = 'approved') as n_approved,
    count(*) filter (where f.on_time) as n_on_time
from mart_filling_status as f
where $scope_id in ('CN', f.account_id, f.l1_id, f.l2_id)  -- the subtree, by the ETL's ancestor columns
    and f.survey_year between $year_from and $year_to
    and ($unit_type = 'ALL' or f.unit_type = $unit_type)
group by f.survey_year
order by f.survey_year
