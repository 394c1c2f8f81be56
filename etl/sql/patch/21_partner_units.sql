-- A level-3 unit's rows of mart_partner_rollup are its current version's own values: they come from the +1 rows
-- afresh (patch_unit_keys says which unit × year × basis to replace), without reading the old ones, which are two
-- thirds of the mart. A unit's old rows are found by unit × year × basis: three key columns read, no values.
delete from mart_partner_rollup
where rowid in (
    select t.rowid
    from mart_partner_rollup as t
    semi join patch_unit_keys as k on t.scope_id = k.scope_id and t.survey_year = k.survey_year and t.basis = k.basis
    where t.scope_level = 3
);

-- By scope first (the mart itself is stored year by year): a scope's rows of every year then sit in one
-- stretch of the appended block, and a lookup over ten years reads it once instead of ten times.
insert into mart_partner_rollup by name
select * from patch_partner_delta where scope_level = 3 order by scope_level, scope_id, field, survey_year;
