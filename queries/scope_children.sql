-- Grain: one row per direct child account of $scope_id.
-- Params: $scope_id VARCHAR.
select
    accounts.account_id,
    accounts.name_short,
    accounts.name,
    accounts.level,
    accounts.unit_type,
    accounts.admin_division_code,
    accounts.n_descendants  -- counted by the ETL from its closure table
from core_accounts as accounts
where accounts.parent_account_id = $scope_id
order by accounts.account_id
