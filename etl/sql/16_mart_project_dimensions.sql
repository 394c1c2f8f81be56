-- Table: mart_project_dimensions (project_dimensions_of over project_groups_of, 12_mart_macros.sql), filled one
-- survey year at a time ($year INTEGER). Only scopes with subordinates: a single unit's own projects are few and
-- are counted when asked (queries/unit_projects_by_dimension.sql).
with groups as materialized (
    select * from project_groups_of('cur_basis_signed') where survey_year = $year
)

select * from project_dimensions_of('groups')
order by scope_id, basis, unit_type, dimension
