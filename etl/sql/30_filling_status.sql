-- Grain: one row per account (levels 1–3) × survey year: filling status against the deadline.
-- A resubmission keeps the on-time flag of the first finished submission; drafts and returned
-- forms count here (filling progress) but never in the analytics.
create table mart_filling_status as
with

years as (
    select survey_year, deadline from ref_deadlines
),

current_version as (
    select * from core_submissions where is_current
),

first_finished as (
    select account_id, survey_year, min(submitted_at) as first_submitted_at
    from core_submissions
    where is_finished
    group by all
)

select
    a.account_id,
    a.parent_account_id,
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
from core_accounts as a
cross join years as y
left join current_version as c on c.account_id = a.account_id and c.survey_year = y.survey_year
left join first_finished as f on f.account_id = a.account_id and f.survey_year = y.survey_year
where a.level between 1 and 3
order by y.survey_year, a.l1_id, a.l2_id, a.account_id;
comment on table mart_filling_status is '填报进度：每个账号每个年度一行；status = missing 表示未填报；on_time = 首次提交不晚于截止日期（北京时间）';
