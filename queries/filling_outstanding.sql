-- Grain: one row per account under $scope_id (itself included) whose $year form is not finished
-- (missing, draft or returned), with its parent, so a supervisor knows whom to chase.
-- Params: $scope_id VARCHAR, $year INTEGER, $unit_type VARCHAR, $limit INTEGER (NULL = all), $offset INTEGER:
-- nationally thousands are outstanding, so the page reads one page at a time. The parent's name is stored
-- with the status (a join with the registry was half of this query's time nationally).
select
    f.account_id,
    f.name,
    f.level,
    f.unit_type,
    f.parent_name,
    f.status,
    f.deadline,
    f.deadline_set_by,
    f.revision,
    f.submitted_at
from mart_filling_status as f
where $scope_id in (national_scope(), f.account_id, f.l1_id, f.l2_id)  -- the subtree, by the ETL's ancestor columns
    and f.survey_year = $year
    and f.is_outstanding
    and ($unit_type = 'ALL' or f.unit_type = $unit_type)
order by case f.status when 'returned' then 0 when 'draft' then 1 else 2 end, f.level, f.account_id
limit $limit offset $offset
