-- mart_partner_rollup (partner_rollup_of, 12_mart_macros.sql, over the signed versions). Scopes with subordinates
-- add the signed values and unit rows, by key (etl/patch.py merge_sql); a row left with no unit goes. The macro leaves
-- out a field × partner that a correction left as it was, so a patch rewrites only what changed. A level-3 unit's rows
-- are replaced afterwards (21_partner_units.sql). The merge reads the rows it touches once (with their row ids), and
-- the units' row groups are skipped by their scope_level.
create temp table patch_partner_delta as
select * from partner_rollup_of('patch_signed_basis');
