-- Which version of each account × year counts: the highest revision, then the later status event, approval and the
-- lower version_id (version_ranks, etl/marts.py version_ranking: the run's ledger and the patch rank by the same macro).
alter table core_submissions add column is_current boolean;
alter table core_submissions add column is_finished boolean;
update core_submissions set is_finished = is_finished(status);
update core_submissions as s
set is_current = ranked.rn = 1
from version_ranks('core_submissions') as ranked
where ranked.version_id = s.version_id;
comment on column core_submissions.is_current is '是否为该账号该年度的现行版本（最高有效版次）；其余为被取代的历史版本';
comment on column core_submissions.is_finished is '状态为已提交或已审核（计入分析）';

-- A-09: the identity a project is counted distinct by. A project with a programme number is one project
-- however many units report it; one without is its reporting version's own.
create macro project_identity(programme, project_key, version_id) as
    case when programme is not null then project_key else version_id || '/' || project_key end;

-- Grain: one row per account × year whose current version is finished × basis it counts in (counts_in, made from
-- the dictionary's BASES). The join repeats account and year (implied by version_id) so that filters on them reach
-- both tables' scans.
create view cur_basis as
select 'finished' as basis, s.status, m.*
from core_measures as m
inner join core_submissions as s
    on s.version_id = m.version_id and s.account_id = m.account_id and s.survey_year = m.survey_year
where s.is_current and counts_in('finished', s.status)
union all by name
select 'approved' as basis, s.status, m.*
from core_measures as m
inner join core_submissions as s
    on s.version_id = m.version_id and s.account_id = m.account_id and s.survey_year = m.survey_year
where s.is_current and counts_in('approved', s.status);

-- cur_basis as the marts' macros (12_mart_macros.sql) take it: every row counts once (sign +1). A patch passes
-- them its own signed rows instead (-1: counted before the run, +1: counts now).
create view cur_basis_signed as select 1 as sign, * from cur_basis;
