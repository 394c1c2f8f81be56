-- Grain: one row per direct child of $scope_id (its whole subtree), plus one row for $scope_id's own
-- submission ('本级'): how many accounts should report in $year and where each stands.
-- Params: $scope_id VARCHAR, $year INTEGER, $unit_type VARCHAR.
-- Children's subtrees come pre-counted from the ETL's filling roll-up (stored sorted by parent).
with

groups as (
    select
        r.scope_id as group_id,
        false as is_own,
        r.n_expected, r.n_approved, r.n_submitted, r.n_returned, r.n_draft, r.n_missing, r.n_on_time, r.n_finished
    from mart_filling_rollup as r
    where r.parent_id = $scope_id
        and r.survey_year = $year
        and r.unit_type = $unit_type
    union all
    select
        f.account_id,
        true,
        1,
        (f.status = 'approved')::int,
        (f.status = 'submitted')::int,
        (f.status = 'returned')::int,
        (f.status = 'draft')::int,
        (f.status = 'missing')::int,
        f.on_time::int,
        is_finished(f.status)::int
    from mart_filling_status as f
    where f.account_id = $scope_id
        and f.survey_year = $year
        and ($unit_type = 'ALL' or f.unit_type = $unit_type)
)

select
    g.group_id,
    case when g.is_own then '本级' else a.name_short end as group_name,
    g.* exclude (group_id, is_own)
from groups as g
inner join core_accounts as a on a.account_id = g.group_id
order by not g.is_own, g.group_id
