-- mart_choices: a unit counts once per option it chose, so its signed rows are added and a row left
-- with no unit goes. An option whose units did not change adds nothing and is dropped from the delta.
create temp table patch_choice_delta as
select
    closure.ancestor_id as scope_id,
    b.survey_year,
    b.basis,
    case when grouping(b.unit_type) = 1 then 'ALL' else b.unit_type end as unit_type,
    c.field,
    c.value,
    sum(b.sign) as n_units
from patch_signed_basis as b
inner join (
    select distinct c.version_id, c.field, c.value
    from core_choices as c
    semi join patch_signed_basis as s on s.version_id = c.version_id
) as c on c.version_id = b.version_id
inner join core_account_closure as closure on closure.descendant_id = b.account_id
inner join core_accounts as scope on scope.account_id = closure.ancestor_id and scope.level <= 2
group by grouping sets (
    (closure.ancestor_id, b.survey_year, b.basis, c.field, c.value),
    (closure.ancestor_id, b.survey_year, b.basis, b.unit_type, c.field, c.value)
)
having sum(b.sign) <> 0;

create temp table patch_choice_rows as
select d.scope_id, d.survey_year, d.basis, d.unit_type, d.field, d.value, coalesce(o.n_units, 0) + d.n_units as n_units
from patch_choice_delta as d
left join mart_choices as o using (scope_id, survey_year, basis, unit_type, field, value);

delete from mart_choices as t
using patch_choice_delta as d
where t.scope_id = d.scope_id and t.survey_year = d.survey_year and t.basis = d.basis and t.unit_type = d.unit_type
    and t.field = d.field and t.value = d.value;

insert into mart_choices by name
select * from patch_choice_rows where n_units > 0 order by survey_year, scope_id, basis, unit_type, field;
