-- Table: mart_partner_rollup, filled one survey year at a time ($year INTEGER), so a national build
-- stays within the ETL's memory limit.
-- Grain: one row per scope (any account or CN) × year × basis × unit type × field × partner: rolled-up value
-- and the number of reporting units' rows behind it (a patch drops a row when that reaches 0, etl/patch.py).
-- Sorted by scope within each year: the dashboard filters on one scope, and DuckDB then reads only the
-- row groups of that scope (measured: national partner queries 100 ms → 6 ms at 20,000 units × 5 years).
-- Each year holds 全国 first, then level-1, level-2 accounts, then level-3 units (scope_level = 3, two thirds
-- of the rows): a patch looks up the rows of the former and skips the units' row groups (etl/patch.py).
-- A unit's rows are its version's own values, one per field × partner: listed, not grouped (grouping them
-- took a quarter of this file's time).
select
    closure.ancestor_id as scope_id,
    scope.level as scope_level,
    b.survey_year,
    b.basis,
    b.unit_type,
    v.field,
    v.partner_code,
    p.partner_scope,
    sum(v.value) as value,
    count(*) as n_units
from cur_basis as b
inner join core_partner_values as v on v.version_id = b.version_id
inner join ref_partner_scope as p on p.partner_code = v.partner_code
inner join core_account_closure as closure on closure.descendant_id = b.account_id
inner join core_accounts as scope on scope.account_id = closure.ancestor_id and scope.level <= 2
where b.survey_year = $year
group by all
union all
select
    b.account_id as scope_id,
    scope.level as scope_level,
    b.survey_year,
    b.basis,
    b.unit_type,
    v.field,
    v.partner_code,
    p.partner_scope,
    v.value,
    1 as n_units
from cur_basis as b
inner join core_partner_values as v on v.version_id = b.version_id
inner join ref_partner_scope as p on p.partner_code = v.partner_code
inner join core_accounts as scope on scope.account_id = b.account_id and scope.level = 3
where b.survey_year = $year
order by scope_level, scope_id, field
