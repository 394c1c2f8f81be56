-- Grain: one row: whether $scope_id is $root_id or one of its descendants (the access check).
-- Params: $root_id VARCHAR, $scope_id VARCHAR.
select count(*) > 0 as allowed
from core_account_closure
where ancestor_id = $root_id and descendant_id = $scope_id
