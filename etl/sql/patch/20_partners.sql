-- mart_partner_rollup (partner_rollup_of, 12_mart_macros.sql, over the signed versions). A level-3 unit's rows are
-- its current version's own values: they come from the +1 rows afresh (patch_unit_keys says which unit × year ×
-- basis to replace), without reading the old ones, which are two thirds of the mart. Scopes with subordinates add
-- the signed values and unit rows; a row left with no unit goes. The macro leaves out a field × partner that a
-- correction left as it was, so a patch rewrites only what changed.
create temp table patch_partner_delta as
select * from partner_rollup_of('patch_signed_basis');

-- The rows the run touches are read once (with their row ids, for the delete): the mart is the largest table,
-- and the units' row groups are skipped by their scope_level.
create temp table patch_partner_old as
select t.rowid as rid, t.*
from mart_partner_rollup as t
semi join patch_partner_delta as d
    on t.scope_id = d.scope_id and t.survey_year = d.survey_year and t.basis = d.basis and t.unit_type = d.unit_type
    and t.field = d.field and t.partner_code = d.partner_code and d.scope_level <= 2
where t.scope_level <= 2;

create temp table patch_partner_rows as
select
    d.* replace (coalesce(o.value, 0) + d.value as value, coalesce(o.n_units, 0) + d.n_units as n_units)
from patch_partner_delta as d
left join patch_partner_old as o using (scope_id, survey_year, basis, unit_type, field, partner_code)
where d.scope_level <= 2
union all by name
select * from patch_partner_delta where scope_level = 3;

-- A unit's old rows are found by unit × year × basis: three key columns read, no values.
delete from mart_partner_rollup
where rowid in (
    select rid from patch_partner_old
    union all
    select t.rowid
    from mart_partner_rollup as t
    semi join patch_unit_keys as k on t.scope_id = k.scope_id and t.survey_year = k.survey_year and t.basis = k.basis
    where t.scope_level = 3
);

-- By scope first (the mart itself is stored year by year): a scope's rows of every year then sit in one
-- stretch of the appended block, and a lookup over ten years reads it once instead of ten times.
insert into mart_partner_rollup by name
select * from patch_partner_rows where n_units > 0 order by scope_level, scope_id, field, survey_year;
