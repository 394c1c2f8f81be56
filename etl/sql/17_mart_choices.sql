-- Table: mart_choices (choices_of, 12_mart_macros.sql), filled one survey year at a time ($year INTEGER). Only
-- scopes with subordinates: a single unit's own choices are read when asked (queries/unit_choices_by_value.sql).
select * from choices_of('cur_basis_signed')
where survey_year = $year
order by scope_id, basis, unit_type, field
