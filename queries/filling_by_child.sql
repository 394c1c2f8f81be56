-- Grain: one row per direct child of $scope_id (its whole subtree), plus one row for $scope_id's own
-- submission ('本级'): how many accounts should report in $year and where each stands.
-- Params: $scope_id VARCHAR, $year INTEGER, $unit_type VARCHAR.
-- Subtrees come from the ancestor columns the ETL resolved (l1_id, l2_id): a child of 全国 is a level-1
-- account, of a level-1 account a level-2 one, and so on — no join with the closure table at national scale.
with

scope as (
    select level from core_accounts where account_id = $scope_id
),

grouped as (
    select
        case
            when f.account_id = $scope_id then f.account_id
            when scope.level = 0 then f.l1_id
            when scope.level = 1 then f.l2_id
            else f.account_id
        end as group_id,
        f.account_id = $scope_id as is_own,
        f.*
    from mart_filling_status as f, scope
    where f.survey_year = $year
        and $scope_id in ('CN', f.account_id, f.l1_id, f.l2_id)
        and ($unit_type = 'ALL' or f.unit_type = $unit_type)
)

select
    g.group_id,
    case when g.is_own then '本级' else a.name_short end as group_name,
    count(*) as n_expected,
    count(*) filter (where g.status = 'approved') as n_approved,
    count(*) filter (where g.status = 'submitted') as n_submitted,
    count(*) filter (where g.status = 'returned') as n_returned,
    count(*) filter (where g.status = 'draft') as n_draft,
    count(*) filter (where g.status = 'missing') as n_missing,
    count(*) filter (where g.on_time) as n_on_time,
    count(*) filter (where g.status in ('submitted', 'approved')) as n_finished
from grouped as g
inner join core_accounts as a on a.account_id = g.group_id
group by g.group_id, g.is_own, a.name_short
order by not g.is_own, g.group_id
