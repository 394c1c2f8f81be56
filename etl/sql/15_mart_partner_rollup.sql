-- Table: mart_partner_rollup (partner_rollup_of, 12_mart_macros.sql), filled one survey year at a time
-- ($year INTEGER), so a national build stays within the ETL's memory limit. n_units is the number of reporting
-- units' rows behind a value: a patch drops a row when that reaches 0 (etl/sql/patch/20_partners.sql).
-- Sorted by scope within each year: the dashboard filters on one scope, and DuckDB then reads only the
-- row groups of that scope (measured: national partner queries 100 ms → 6 ms at 20,000 units × 5 years).
-- Each year holds 全国 first, then level-1, level-2 accounts, then level-3 units (scope_level = 3, two thirds
-- of the rows): a patch looks up the rows of the former and skips the units' row groups (etl/patch.py).
select * from partner_rollup_of('cur_basis_signed')
where survey_year = $year
order by scope_level, scope_id, field
