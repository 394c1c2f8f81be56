-- Grain: one row per field of the data dictionary (section, label, unit, aggregation, rules).
-- Params: none.
select * from meta_fields order by section_no, section, name
