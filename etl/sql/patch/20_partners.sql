-- mart_partner_rollup: signed values and unit rows added to every ancestor; a row left with no unit goes.
create temp table patch_partner_delta as
select
    closure.ancestor_id as scope_id,
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
group by all;

-- The rows the run touches are read once (with their row ids, for the delete): the mart is the largest table.
create temp table patch_partner_old as
select t.rowid as rid, t.*
from mart_partner_rollup as t
semi join patch_partner_delta as d
    on t.scope_id = d.scope_id and t.survey_year = d.survey_year and t.basis = d.basis and t.unit_type = d.unit_type
    and t.field = d.field and t.partner_code = d.partner_code;

create temp table patch_partner_rows as
select
    d.scope_id,
    d.survey_year,
    d.basis,
    d.unit_type,
    d.field,
    d.partner_code,
    d.partner_scope,
    coalesce(o.value, 0) + d.value as value,
    coalesce(o.n_units, 0) + d.n_units as n_units
from patch_partner_delta as d
left join patch_partner_old as o using (scope_id, survey_year, basis, unit_type, field, partner_code);

delete from mart_partner_rollup where rowid in (select rid from patch_partner_old);

-- By scope first (the mart itself is stored year by year): a scope's rows of every year then sit in one
-- stretch of the appended block, and a lookup over ten years reads it once instead of ten times.
insert into mart_partner_rollup by name
select * from patch_partner_rows where n_units > 0 order by scope_id, field, survey_year;
