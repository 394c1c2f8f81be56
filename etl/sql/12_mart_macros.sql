-- The partner, project and choice marts, each written once as a table macro over `signed`: the name of a relation
-- with cur_basis's columns plus `sign`. The build passes cur_basis_signed (every current version, +1) and keeps one
-- survey year (15_, 16_, 17_); a patch passes its signed versions (-1 counted before the run, +1 counts now) and adds
-- what comes out to the mart's rows (etl/sql/patch/). Each mart's figures are signed sums, so that both hold.
-- Every join repeats survey_year (implied by version_id), and no CTE is materialized (DuckDB would, and a filter
-- stops there): the build's year filter on the result then reaches every scan (checked with EXPLAIN).

-- Grain: one row per scope (any account or CN) × year × basis × unit type × field × partner: the signed sum of the
-- partner values and of the reporting units' rows behind it. A scope with subordinates (scope_level ≤ 2) sums its
-- units; a field × partner whose signed rows add exactly nothing (a correction left it as it was) is left out. A
-- level-3 unit's rows are its counting version's own values, listed, not grouped (grouping them took a quarter of
-- the build's time for this mart), from the +1 rows only.
create macro partner_rollup_of(signed) as table
with

partner_rows as not materialized (
    select b.account_id, b.sign, b.survey_year, b.basis, b.unit_type, v.field, v.partner_code, p.partner_scope, v.value
    from query_table(signed) as b
    inner join core_partner_values as v on v.version_id = b.version_id and v.survey_year = b.survey_year
    inner join ref_partner_scope as p on p.partner_code = v.partner_code
)

select
    closure.ancestor_id as scope_id,
    scope.level as scope_level,
    r.* exclude (account_id, sign, value),
    sum(r.sign * r.value) as value,
    cast(sum(r.sign) as bigint) as n_units
from partner_rows as r
inner join core_account_closure as closure on closure.descendant_id = r.account_id
inner join core_accounts as scope on scope.account_id = closure.ancestor_id and scope.level <= 2
group by all
having sum(r.sign * r.value) is distinct from 0 or sum(r.sign) <> 0
union all by name
select r.account_id as scope_id, scope.level as scope_level, r.* exclude (account_id, sign), 1 as n_units
from partner_rows as r
inner join core_accounts as scope on scope.account_id = r.account_id and scope.level = 3
where r.sign > 0;

-- Grain: one row per scope with subordinates (全国, level-1 and level-2 accounts) × year × basis × unit type ('ALL' or
-- one type) × dimension ('field' | 'funding_level' | 'role' | 'coop_form' | 'status_in_year') × value × programme
-- number (NULL for the projects without one): signed project rows, reportable funds and how many distinct projects
-- they make (A-09): a numbered project is one however many units report it, the unnumbered ones are distinct by
-- construction (project_key is unique within a unit) and count as rows. A patch counts its numbers again.
create macro project_groups_of(signed) as table
with

projects as not materialized (
    select closure.ancestor_id as scope_id, b.survey_year, b.basis, b.unit_type, b.sign,
           case when p.programme is not null then p.project_key end as programme_key, p.fund_reportable,
           p.field, p.funding_level, p.role, p.coop_form, p.status_in_year
    from query_table(signed) as b
    inner join core_projects as p on p.version_id = b.version_id and p.survey_year = b.survey_year
    inner join core_account_closure as closure on closure.descendant_id = b.account_id
    inner join core_accounts as scope on scope.account_id = closure.ancestor_id and scope.level <= 2
),

long as not materialized (
    from projects
    unpivot (category for dimension in (field, funding_level, role, coop_form, status_in_year))
)

select
    scope_id,
    survey_year,
    basis,
    case when grouping(unit_type) = 1 then 'ALL' else unit_type end as unit_type,
    dimension,
    category,
    programme_key,
    cast(sum(sign) as bigint) as project_rows,
    sum(sign * fund_reportable) as fund_reportable,
    cast(case when programme_key is null then sum(sign) else (sum(sign) > 0)::int end as bigint) as projects_distinct
from long
group by grouping sets (
    (scope_id, survey_year, basis, dimension, category, programme_key),
    (scope_id, survey_year, basis, unit_type, dimension, category, programme_key)
);

-- Grain: mart_project_dimensions' (project_groups_of's without the programme number): project rows (SUM*, per
-- reporting unit), distinct projects (A-09) and reportable funds.
create macro project_dimensions_of(groups) as table
select
    scope_id,
    survey_year,
    basis,
    unit_type,
    dimension,
    category,
    cast(sum(project_rows) as bigint) as project_rows,
    cast(sum(projects_distinct) as bigint) as projects_distinct,
    sum(fund_reportable) as fund_reportable
from query_table(groups)
group by all;

-- Grain: one row per scope with subordinates × year × basis × unit type ('ALL' or one type) × multiple-choice field
-- ('policy_types' | 'problems') × option: the signed count of reporting units that chose it (COUNT_UNITS); an option
-- whose units add up to nothing is left out. A unit counts once per scope and basis (one counting version a year),
-- so once its repeated options are dropped its rows are counted: COUNT(DISTINCT account_id) took twice as long.
create macro choices_of(signed) as table
with

chosen as not materialized (
    select distinct b.version_id, b.account_id, b.survey_year, b.basis, b.unit_type, b.sign, c.field, c.value
    from query_table(signed) as b
    inner join core_choices as c on c.version_id = b.version_id and c.survey_year = b.survey_year
)

select
    closure.ancestor_id as scope_id,
    b.survey_year,
    b.basis,
    case when grouping(b.unit_type) = 1 then 'ALL' else b.unit_type end as unit_type,
    b.field,
    b.value,
    cast(sum(b.sign) as bigint) as n_units
from chosen as b
inner join core_account_closure as closure on closure.descendant_id = b.account_id
inner join core_accounts as scope on scope.account_id = closure.ancestor_id and scope.level <= 2
group by grouping sets (
    (closure.ancestor_id, b.survey_year, b.basis, b.field, b.value),
    (closure.ancestor_id, b.survey_year, b.basis, b.unit_type, b.field, b.value)
)
having sum(b.sign) <> 0;
