-- mart_partner_rollup. A level-3 unit's rows are its current version's own values: they are taken from
-- the +1 rows afresh (patch_unit_keys says which unit × year × basis to replace), without reading the
-- old ones, which are two thirds of the mart. Scopes with subordinates add the signed values and unit
-- rows; a row left with no unit goes. A field × partner that a correction left as it was adds exactly
-- nothing (value 0, no unit moved): it is dropped here, so a patch rewrites only what changed.
create temp table patch_partner_delta as
select
    closure.ancestor_id as scope_id,
    scope.level as scope_level,
    b.survey_year,
    b.basis,
    b.unit_type,
    v.field,
    v.partner_code,
    p.partner_scope,
    sum(b.sign * v.value) as value,
    sum(b.sign) as n_units
from patch_signed_basis as b
inner join core_partner_values as v on v.version_id = b.version_id
inner join ref_partner_scope as p on p.partner_code = v.partner_code
inner join core_account_closure as closure on closure.descendant_id = b.account_id
inner join core_accounts as scope on scope.account_id = closure.ancestor_id and scope.level <= 2
group by all
having sum(b.sign * v.value) is distinct from 0 or sum(b.sign) <> 0;

-- The rows the run touches are read once (with their row ids, for the delete): the mart is the largest table,
-- and the units' row groups are skipped by their scope_level.
create temp table patch_partner_old as
select t.rowid as rid, t.*
from mart_partner_rollup as t
semi join patch_partner_delta as d
    on t.scope_id = d.scope_id and t.survey_year = d.survey_year and t.basis = d.basis and t.unit_type = d.unit_type
    and t.field = d.field and t.partner_code = d.partner_code
where t.scope_level <= 2;

create temp table patch_partner_rows as
select
    d.scope_id,
    d.scope_level,
    d.survey_year,
    d.basis,
    d.unit_type,
    d.field,
    d.partner_code,
    d.partner_scope,
    coalesce(o.value, 0) + d.value as value,
    coalesce(o.n_units, 0) + d.n_units as n_units
from patch_partner_delta as d
left join patch_partner_old as o using (scope_id, survey_year, basis, unit_type, field, partner_code)
union all
-- As 15_mart_partner_rollup.sql makes a unit's rows (its own values, listed).
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
from patch_signed_basis as b
inner join core_partner_values as v on v.version_id = b.version_id
inner join ref_partner_scope as p on p.partner_code = v.partner_code
inner join core_accounts as scope on scope.account_id = b.account_id and scope.level = 3
where b.sign > 0;

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
