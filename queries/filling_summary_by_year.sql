-- Grain: one row per survey year in [$year_from, $year_to] for the subtree of $scope_id (itself included).
-- Params: $scope_id VARCHAR, $year_from INTEGER, $year_to INTEGER, $unit_type VARCHAR.
-- Counts the accounts that should report (应报), have reported (已报 = submitted or approved), are approved, and were on time
-- (按时: finished and first submitted by the account's own deadline); the deadline of the scope itself, who
-- set it (全国 or an ancestor), and the earliest deadline anywhere in the subtree.
-- Read from the ETL's filling roll-up: a handful of rows, whatever the scope's size.
select
    survey_year,
    deadline,
    deadline_set_by,
    deadline_earliest,
    n_expected,
    n_finished,
    n_approved,
    n_on_time
from mart_filling_rollup
where scope_id = $scope_id
    and unit_type = $unit_type
    and survey_year between $year_from and $year_to
order by survey_year
