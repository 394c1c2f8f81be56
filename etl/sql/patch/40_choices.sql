-- mart_choices (choices_of, 12_mart_macros.sql, over the signed versions): a unit counts once per option it chose,
-- so its signed rows are added and a row left with no unit goes. An option whose units did not change adds nothing
-- and is left out of the delta.
create temp table patch_choice_delta as
select * from choices_of('patch_signed_basis');

create temp table patch_choice_rows as
select d.* replace (coalesce(o.n_units, 0) + d.n_units as n_units)
from patch_choice_delta as d
left join mart_choices as o using (scope_id, survey_year, basis, unit_type, field, value);

delete from mart_choices as t
using patch_choice_delta as d
where t.scope_id = d.scope_id and t.survey_year = d.survey_year and t.basis = d.basis and t.unit_type = d.unit_type
    and t.field = d.field and t.value = d.value;

insert into mart_choices by name
select * from patch_choice_rows where n_units > 0 order by survey_year, scope_id, basis, unit_type, field;
