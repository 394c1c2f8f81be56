-- Grain: one row per survey year with any finished submission.
-- Params: none.
select distinct survey_year from mart_rollup where scope_id = national_scope() order by survey_year
