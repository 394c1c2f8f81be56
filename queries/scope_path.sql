-- Grain: one row per ancestor of $scope_id (全国 first, the scope itself last), for the breadcrumb.
-- Params: $scope_id VARCHAR.
select
    accounts.account_id,
    accounts.name_short,
    accounts.level
from core_account_closure as closure
inner join core_accounts as accounts on accounts.account_id = closure.ancestor_id
where closure.descendant_id = $scope_id
order by closure.depth desc
