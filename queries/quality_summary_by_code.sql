-- Grain: one row per kind (quarantine | check | warning | duplicate) × code: how many findings on accounts under
-- $scope_id in $year (or with no year); quarantined documents from unknown accounts count only nationally.
-- Params: $scope_id VARCHAR, $year INTEGER.
select
    q.kind,
    q.code,
    any_value(q.rule_text) as rule_text,
    count(*) as n_findings
from quality_findings as q
where (q.survey_year = $year or q.survey_year is null)
    and ($scope_id = national_scope() or $scope_id in (q.account_id, q.l1_id, q.l2_id))
group by q.kind, q.kind_order, q.code
order by q.kind_order, q.code
