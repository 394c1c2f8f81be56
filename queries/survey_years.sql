-- Grain: one row per survey year with any finished submission.
-- Params: none.
select distinct survey_year from mart_rollup where scope_id = 'CN' order by survey_year
