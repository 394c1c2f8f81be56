-- Grain: one row per account (levels 1–3) × survey year listed in the table named `keys` (account_id,
-- survey_year): filling status against the deadline that applies to the account. The build passes every
-- account × year; a patch (etl/patch.py) only those a run changed.
-- The deadline is the national one (ref_deadlines) unless the account or an ancestor set an earlier one
-- (ref_account_deadlines, from data/survey.toml); deadline_set_by names who set it.
-- 按时 (on_time): the current revision is finished (submitted or approved) and the account's first finished
-- submission was on or before its deadline (Beijing time). A resubmission keeps that first date; a returned
-- or withdrawn form is not on time, since it is not finished. Drafts and returned forms count here (filling
-- progress) but never in the analytics.
create macro filling_status_of(keys) as table
with

own_deadlines as (
    select
        closure.descendant_id as account_id,
        d.survey_year,
        min(d.deadline) as deadline,
        arg_min(setter.name, d.deadline) as set_by
    from ref_account_deadlines as d
    inner join core_account_closure as closure on closure.ancestor_id = d.account_id
    inner join core_accounts as setter on setter.account_id = d.account_id
    group by all
),

first_finished as (
    select s.account_id, s.survey_year, min(s.submitted_at) as first_submitted_at
    from core_submissions as s
    semi join query_table(keys) as k2 on k2.account_id = s.account_id and k2.survey_year = s.survey_year
    where s.is_finished
    group by all
),

statuses as (
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
        case when o.deadline < y.deadline then o.deadline else y.deadline end as deadline,
        case when o.deadline < y.deadline then o.set_by else '全国' end as deadline_set_by,
        coalesce(c.status, 'missing') as status,
        c.revision,
        c.submitted_at,
        c.approved_at,
        f.first_submitted_at
    from query_table(keys) as k
    inner join core_accounts as a on a.account_id = k.account_id
    left join core_accounts as parent on parent.account_id = a.parent_account_id  -- for the 督促名单, without a join
    inner join ref_deadlines as y on y.survey_year = k.survey_year
    left join own_deadlines as o on o.account_id = k.account_id and o.survey_year = k.survey_year
    left join core_submissions as c on c.account_id = k.account_id and c.survey_year = k.survey_year and c.is_current
    left join first_finished as f on f.account_id = k.account_id and f.survey_year = k.survey_year
    where a.level between 1 and 3
)

select
    * exclude (first_submitted_at),
    first_submitted_at,
    is_finished(status)
        and first_submitted_at is not null
        and cast(timezone('Asia/Shanghai', first_submitted_at) as date) <= deadline as on_time,
    not is_finished(status) as is_outstanding
from statuses;

create temp table filling_keys as
select a.account_id, y.survey_year from core_accounts as a cross join ref_deadlines as y where a.level between 1 and 3;

create table mart_filling_status as
select * from filling_status_of('filling_keys')
order by survey_year, l1_id, l2_id, account_id;
comment on table mart_filling_status is '填报进度：每个账号每个年度一行；status = missing 表示未填报；on_time = 现行版本已提交或已审核，且首次提交不晚于本账号适用的截止日期（北京时间）；deadline_set_by = 规定该截止日期的账号（全国或上级）';
drop table filling_keys;
