-- Grain: one row per account inside $root_id's subtree whose name contains $text (at most 50).
-- Params: $root_id VARCHAR, $text VARCHAR.
select accounts.account_id, accounts.name, accounts.name_short, accounts.level
from core_account_closure as closure
inner join core_accounts as accounts on accounts.account_id = closure.descendant_id
where closure.ancestor_id = $root_id
    and (contains(accounts.name, $text) or contains(accounts.name_short, $text) or accounts.account_id = $text)
order by accounts.level, accounts.account_id
limit 50
