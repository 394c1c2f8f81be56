-- Grain: one row per partner × field in $fields: the value rolled up to $scope_id in $year,
-- with the partner's Chinese name, scope (INTL / HMT), continent and group memberships.
-- Params: $scope_id VARCHAR, $year INTEGER, $basis VARCHAR, $unit_type VARCHAR, $fields VARCHAR[].
with

values_in_scope as (
    select field, partner_code, sum(value) as value
    from mart_partner_rollup
    where scope_id = $scope_id
        and survey_year = $year
        and basis = $basis
        and ($unit_type = 'ALL' or unit_type = $unit_type)
        and list_contains($fields, field)
    group by all
)

select
    v.field,
    v.partner_code,
    p.name_zh,
    s.partner_scope,
    p.continent_zh,
    p.cn_stat_region_zh,
    coalesce(p.eu_member = 'Y', false) as is_eu,
    coalesce(p.g20_member = 'Y', false) as is_g20,
    coalesce(p.oecd_member = 'Y', false) as is_oecd,
    coalesce(p.brics = 'Y', false) as is_brics,
    coalesce(p.asean = 'Y', false) as is_asean,
    coalesce(p.sco = 'Y', false) as is_sco,
    v.value
from values_in_scope as v
inner join ref_partners as p on p.iso3 = v.partner_code
inner join ref_partner_scope as s on s.partner_code = v.partner_code
where v.value > 0
order by v.field, v.value desc, v.partner_code
