-- Table: mart_choices, filled one survey year at a time ($year INTEGER).
-- Grain: one row per scope with subordinates (全国, level-1 and level-2 accounts) × year × basis × unit type
-- ('ALL' or one type) × multiple-choice field ('policy_types' | 'problems') × option: reporting units that
-- chose it (COUNT_UNITS). A single unit's own choices are read when asked (queries/choices_by_value.sql).
-- A unit counts once per scope and basis (one current version a year), so once its repeated options are
-- dropped its rows are counted: COUNT(DISTINCT account_id) took twice as long.
select
    closure.ancestor_id as scope_id,
    b.survey_year,
    b.basis,
    case when grouping(b.unit_type) = 1 then 'ALL' else b.unit_type end as unit_type,
    c.field,
    c.value,
    count(*) as n_units
from cur_basis as b
inner join (select distinct version_id, field, value from core_choices where survey_year = $year) as c
    on c.version_id = b.version_id
inner join core_account_closure as closure on closure.descendant_id = b.account_id
inner join core_accounts as scope on scope.account_id = closure.ancestor_id
where b.survey_year = $year and scope.level <= 2
group by grouping sets (
    (closure.ancestor_id, b.survey_year, b.basis, c.field, c.value),
    (closure.ancestor_id, b.survey_year, b.basis, b.unit_type, c.field, c.value)
)
order by scope_id, basis, unit_type, field
