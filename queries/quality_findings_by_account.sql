-- Grain: one row per finding on an account under $scope_id in $year, of the kinds $kinds and codes $codes.
-- Params: $scope_id VARCHAR, $year INTEGER, $kinds VARCHAR[], $codes VARCHAR[] (empty = every code),
--         $limit INTEGER (NULL = all), $offset INTEGER: a national year has tens of thousands of findings.
-- A finding is a quarantined document's problem, a document warning, a warehouse check or a copy of a file
-- met before (named with the account and year of the file it repeats). Findings with no
-- year show in every year; quarantined documents from unknown accounts only nationally. Within a rule, the
-- findings furthest from its threshold come first; the page reads one page at a time.
select
    q.kind,
    q.code,
    q.severity,
    q.account_id,
    q.account_name,
    q.survey_year,
    q.path,
    q.value,
    q.message_zh,
    q.rule_text,
    q.source_file  -- the document: a file, or a batch file#line (none for warehouse checks)
from quality_findings as q
where (q.survey_year = $year or q.survey_year is null)
    -- the subtree, by the ETL's ancestor columns; unknown accounts only nationally
    and ($scope_id = national_scope() or $scope_id in (q.account_id, q.l1_id, q.l2_id))
    and list_contains($kinds, q.kind)
    and (len($codes) = 0 or list_contains($codes, q.code))
order by q.kind_order, q.code, q.deviation desc nulls last, q.account_id, q.survey_year, q.path, q.message_zh
limit $limit offset $offset
