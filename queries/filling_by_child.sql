-- Grain: one row per direct child of $scope_id (its whole subtree), plus one row for $scope_id's own
-- submission ('本级'): how many accounts should report in $year and where each stands.
-- Params: $scope_id VARCHAR, $year INTEGER, $unit_type VARCHAR.
with

groups as (
    select account_id as group_id, name_short as group_name, 1 as sort_key
    from core_accounts
    where parent_account_id = $scope_id
    union all
    select account_id, '本级', 0 from core_accounts where account_id = $scope_id and level > 0
),

members as (
    select g.group_id, g.group_name, g.sort_key, closure.descendant_id as account_id
    from groups as g
    inner join core_account_closure as closure on closure.ancestor_id = g.group_id
    where g.sort_key = 1 or closure.depth = 0
)

select
    m.group_id,
    m.group_name,
    count(*) as n_expected,
    count(*) filter (where f.status = 'approved') as n_approved,
    count(*) filter (where f.status = 'submitted') as n_submitted,
    count(*) filter (where f.status = 'returned') as n_returned,
    count(*) filter (where f.status = 'draft') as n_draft,
    count(*) filter (where f.status = 'missing') as n_missing,
    count(*) filter (where f.on_time) as n_on_time,
    count(*) filter (where f.status in ('submitted', 'approved')) as n_finished
from members as m
inner join mart_filling_status as f on f.account_id = m.account_id and f.survey_year = $year
where $unit_type = 'ALL' or f.unit_type = $unit_type
group by m.group_id, m.group_name, m.sort_key
order by m.sort_key, m.group_id
