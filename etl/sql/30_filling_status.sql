-- Grain: one row per account (levels 1–3) × survey year listed in the table named `keys` (account_id,
-- survey_year): filling status against the deadline. The build passes every account × year; a patch
-- (etl/patch.py) only those a run changed.
-- A resubmission keeps the on-time flag of the first finished submission; drafts and returned
-- forms count here (filling progress) but never in the analytics.
create macro filling_status_of(keys) as table
select
    a.account_id,
    a.parent_account_id,
    parent.name as parent_name,
    a.l1_id,
    a.l2_id,
    a.level,
    a.name,
    a.unit_type,
    y.survey_year,
    y.deadline,
    coalesce(c.status, 'missing') as status,
    c.revision,
    c.submitted_at,
    c.approved_at,
    f.first_submitted_at,
    f.first_submitted_at is not null
        and cast(timezone('Asia/Shanghai', f.first_submitted_at) as date) <= y.deadline as on_time,
    coalesce(c.status, 'missing') not in ('submitted', 'approved') as is_outstanding
from query_table(keys) as k
inner join core_accounts as a on a.account_id = k.account_id
left join core_accounts as parent on parent.account_id = a.parent_account_id  -- for the 督促名单, without a join
inner join ref_deadlines as y on y.survey_year = k.survey_year
left join core_submissions as c on c.account_id = k.account_id and c.survey_year = k.survey_year and c.is_current
left join (
    select s.account_id, s.survey_year, min(s.submitted_at) as first_submitted_at
    from core_submissions as s
    semi join query_table(keys) as k2 on k2.account_id = s.account_id and k2.survey_year = s.survey_year
    where s.is_finished
    group by all
) as f on f.account_id = k.account_id and f.survey_year = k.survey_year
where a.level between 1 and 3;

create temp table filling_keys as
select a.account_id, y.survey_year from core_accounts as a cross join ref_deadlines as y where a.level between 1 and 3;

create table mart_filling_status as
select * from filling_status_of('filling_keys')
order by survey_year, l1_id, l2_id, account_id;
comment on table mart_filling_status is '填报进度：每个账号每个年度一行；status = missing 表示未填报；on_time = 首次提交不晚于截止日期（北京时间）';
drop table filling_keys;
