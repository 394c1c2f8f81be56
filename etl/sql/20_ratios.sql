-- Grain: one row per mart_rollup row: ratios recomputed from rolled-up numerators and denominators (A-04),
-- never averaged from units' own ratios.
create view mart_rollup_ratios as
select
    scope_id,
    survey_year,
    basis,
    unit_type,
    out_person_times / nullif(out_groups, 0) as out_person_times_per_group,
    in_person_times / nullif(in_groups, 0) as in_person_times_per_group,
    out_pt_long_term / nullif(out_person_times, 0) as out_long_term_share,
    (conf_participants_foreign + conf_participants_hmt) / nullif(conf_participants, 0) as conf_foreign_share,
    fund_reportable / nullif(proj_active_distinct, 0) as fund_reportable_per_project,
    fund_reportable / nullif(n_reported, 0) as fund_reportable_per_unit,
    n_units_active / nullif(n_reported, 0) as active_unit_share,
    proj_led / nullif(proj_active, 0) as led_project_share
from mart_rollup;
comment on view mart_rollup_ratios is '比率（RECOMPUTE）：由汇总后的分子分母重新计算（A-04），不能对各单位比率求平均';
