-- Grain: one row: the account $scope_id (or 全国 for CN).
-- Params: $scope_id VARCHAR.
select account_id, name, name_short, level, unit_type, admin_division_code, parent_account_id
from core_accounts
where account_id = $scope_id
