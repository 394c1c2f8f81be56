-- Grain: one row per account at $level inside $root_id's subtree, with its parent's name (for picking any
-- two scopes of the same kind to compare).
-- Params: $root_id VARCHAR, $level INTEGER.
select accounts.account_id, accounts.name_short, parent.name_short as parent_name
from core_account_closure as closure
inner join core_accounts as accounts on accounts.account_id = closure.descendant_id
left join core_accounts as parent on parent.account_id = accounts.parent_account_id
where closure.ancestor_id = $root_id and accounts.level = $level
order by accounts.account_id
