-- Grain: one row per survey year with any finished submission.
-- Params: none.
select distinct survey_year from mart_rollup order by survey_year
