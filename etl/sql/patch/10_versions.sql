-- The account × years the run changed, and the versions that count for them before and after it.
-- Every basis row of those versions is signed: -1 for what counted before, +1 for what counts now.
-- The later files add the signed rows up the hierarchy. What a mart needs from the old state is
-- taken here, before is_current moves.
create temp table patch_changed as
select distinct account_id, survey_year from core_submissions where is_current is null;

create temp table patch_before as
select s.version_id
from core_submissions as s
semi join patch_changed as c on c.account_id = s.account_id and c.survey_year = s.survey_year
where s.is_current;

create temp table patch_filling_before as
select f.*
from mart_filling_status as f
semi join patch_changed as c on c.account_id = f.account_id and c.survey_year = f.survey_year;

-- As 10_current.sql does for every version, for the new ones and the account × years they join.
update core_submissions set is_finished = is_finished(status) where is_finished is null;
create temp view patch_versions as
select s.*
from core_submissions as s
semi join patch_changed as c on c.account_id = s.account_id and c.survey_year = s.survey_year;
update core_submissions as s
set is_current = ranked.rn = 1
from version_ranks('patch_versions') as ranked
where ranked.version_id = s.version_id;
drop view patch_versions;

create temp table patch_after as
select s.version_id
from core_submissions as s
semi join patch_changed as c on c.account_id = s.account_id and c.survey_year = s.survey_year
where s.is_current;

-- Grain: one row per signed version × basis it counts in (cur_basis's columns plus sign).
-- The bases are listed first and joined with core_measures once: that table is over a hundred columns wide.
create temp table patch_signed_basis as
with

signed as (
    select version_id, -1 as sign from patch_before anti join patch_after using (version_id)
    union all
    select version_id, 1 as sign from patch_after anti join patch_before using (version_id)
),

bases as (
    select v.version_id, v.sign, b.basis, s.status
    from signed as v
    inner join core_submissions as s on s.version_id = v.version_id
    inner join bases() as b on counts_in(b.basis, s.status)
)

select k.sign, k.basis, k.status, m.*
from bases as k
inner join core_measures as m on m.version_id = k.version_id;

-- The level-3 units' own rows the run replaces in mart_rollup and mart_partner_rollup: a unit's row is its
-- current version's own, so it is made afresh from the +1 rows rather than patched (most of both marts'
-- rows are units' own: reading them back cost most of a patch).
create temp table patch_unit_keys as
select distinct b.account_id as scope_id, b.survey_year, b.basis
from patch_signed_basis as b
inner join core_accounts as a on a.account_id = b.account_id and a.level = 3;
