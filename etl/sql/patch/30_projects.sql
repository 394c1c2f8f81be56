-- mart_project_dimensions (project_groups_of and project_dimensions_of, 12_mart_macros.sql): project rows, funds
-- and unnumbered projects are added from the signed versions (patch_project_delta, merged by etl/patch.py). A programme number the run touched counts in a group
-- when some current row there carries it, and counted before when that many rows minus the run's did.
create temp table patch_project_groups as
select * from project_groups_of('patch_signed_basis');

-- The current versions that carry a programme number the run touched (cur_basis for them only: a scan of every
-- current version is many times slower), as the macros take a basis.
create temp table patch_numbered_basis as
with

touched as (
    select distinct p.version_id
    from core_projects as p
    where p.programme is not null
        and p.project_key in (select programme_key from patch_project_groups where programme_key is not null)
),

bases as (
    select b.basis, s.version_id, s.account_id, s.survey_year, s.status
    from core_submissions as s
    semi join touched as t on t.version_id = s.version_id
    inner join bases() as b on counts_in(b.basis, s.status)
    where s.is_current
)

select 1 as sign, b.*, m.unit_type
from bases as b
inner join core_measures as m on m.version_id = b.version_id;

-- How far the distinct count of each number the run touched moves: 1 when some current row carries it now and no
-- row did before (that many rows less the run's), -1 the other way round.
create temp table patch_project_moved as
select
    d.* replace (
        case when d.programme_key is null then d.projects_distinct
             else (coalesce(n.project_rows, 0) > 0)::int - (coalesce(n.project_rows, 0) - d.project_rows > 0)::int
        end as projects_distinct
    )
from patch_project_groups as d
left join project_groups_of('patch_numbered_basis') as n
    using (scope_id, survey_year, basis, unit_type, dimension, category, programme_key);

-- The signed rows by dimension × category, merged into the mart by key (etl/patch.py merge_sql): a category whose
-- project rows came and went in equal numbers, with the same funds, stays as it is.
create temp table patch_project_delta as
select * from project_dimensions_of('patch_project_moved');
