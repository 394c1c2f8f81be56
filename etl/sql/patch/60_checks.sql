-- quality_checks: the findings of the account × years the run may have changed are made again (checks_of,
-- 40_checks.sql, replaced by key in etl/patch.py): the changed ones, their ancestors' (F-09 sums a province) and
-- the next year's (F-12 and C-18 compare with last year). The registry's findings (A-07, A-08) cannot change within a generation.
create temp table patch_check_keys as
select account_id, survey_year from patch_changed
union
select closure.ancestor_id, c.survey_year
from patch_changed as c
inner join core_account_closure as closure on closure.descendant_id = c.account_id
union
select account_id, survey_year + 1 from patch_changed;
