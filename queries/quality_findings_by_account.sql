-- Grain: one row per finding (quarantined document problem, document warning or warehouse check) on an
-- account under $scope_id in $year (or with no year); quarantined documents from unknown accounts appear
-- only at national scope.
-- Params: $scope_id VARCHAR, $year INTEGER.
select
    q.kind,
    q.code,
    q.severity,
    q.account_id,
    coalesce(accounts.name, '（注册表中无此账号）') as account_name,
    q.survey_year,
    q.path,
    q.value,
    q.message_zh,
    rules.text_zh as rule_text
from quality_findings as q
left join core_accounts as accounts on accounts.account_id = q.account_id
left join meta_rules as rules on rules.rule_id = q.code
where (q.survey_year = $year or q.survey_year is null)
    -- the subtree, by the ETL's ancestor columns; unknown accounts only nationally
    and ($scope_id = 'CN' or $scope_id in (accounts.account_id, accounts.l1_id, accounts.l2_id))
order by case q.kind when 'quarantine' then 0 when 'check' then 1 else 2 end, q.code, q.account_id
