-- mart_filling_rollup: the changed account × years' old status rows (taken before the run, 10_versions.sql) are
-- taken away from every ancestor's counts and the new ones added (filling_counts_of, 31_mart_filling_rollup.sql; the
-- deadlines stay). Run after mart_filling_status is made again for them; etl/patch.py merges the delta by key.
create temp table patch_filling_signed as
select -1 as sign, * from patch_filling_before
union all by name
select 1 as sign, f.*
from mart_filling_status as f
semi join patch_changed as c on c.account_id = f.account_id and c.survey_year = f.survey_year;

create temp table patch_filling_delta as
select * from filling_counts_of('patch_filling_signed');
