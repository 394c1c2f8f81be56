-- Grain: one row per direct child account of $scope_id.
-- Params: $scope_id VARCHAR.
select
    accounts.account_id,
    accounts.name_short,
    accounts.name,
    accounts.level,
    accounts.unit_type,
    accounts.admin_division_code,
    (select count(*) from core_account_closure as c where c.ancestor_id = accounts.account_id and c.depth > 0)
        as n_descendants
from core_accounts as accounts
where accounts.parent_account_id = $scope_id
order by accounts.account_id
