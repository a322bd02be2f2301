-- Counts kept for the coordination dashboard and the meeting report (docs/dashboard.md).
-- Scanning a million people and four million surveys on every request cannot answer in
-- milliseconds, so each count is kept per area (a region code's first 8 characters: the district,
-- or the regency when that is all that is known) and, where the figure has a period, per month.
--
-- Each tally has a view listing the rows it counts, one per counted row, with the ids of every
-- row they depend on. Triggers keep the tally equal to the view's group-by: before a row changes
-- or goes, what depends on it is subtracted; after it is written, added back. Filtering by the
-- changed row's own id keeps this right when one statement changes many rows (PostgreSQL runs
-- the after-triggers at the statement's end). A row whose parent was deleted counts for nothing,
-- so a parent's before-delete trigger takes away its children's counts before the cascade.
-- `emas_store::tallies` rebuilds every tally from its view (on first start, and in tests, which
-- check that the triggers keep them equal).
--
-- Limits: a statement that changes two tables at once (a data-modifying WITH) is not kept right
-- on PostgreSQL, and EMAS issues none; index_config.threshold is written once, when the
-- configuration is saved (or by ensure_built), and never changed.

-- The rank of the furthest active stage an enrolment reached: the funnel counts it.

alter table enrolment add column furthest integer not null default 0;
update enrolment set furthest = greatest(case stage when 'registered' then 0 when 'assessed' then 1 when 'trained' then 2 when 'business_plan' then 3 when 'mentored' then 4 when 'business_registered' then 5 when 'financed' then 6 when 'operating' then 7 else 0 end,
    coalesce((select max(case s.to_stage when 'registered' then 0 when 'assessed' then 1 when 'trained' then 2 when 'business_plan' then 3 when 'mentored' then 4 when 'business_registered' then 5 when 'financed' then 6 when 'operating' then 7 else 0 end) from stage_change s
              where s.enrolment_id = enrolment.id and s.reverted_by_change_id is null), 0));

-- The configuration's threshold, read from its body by the application.
alter table index_config add column threshold double precision;

-- Whether the tallies were built from the views (emas_store::tallies::ensure_built).
create table tally_state (built integer not null);
insert into tally_state (built) values (0);

-- People of the registry (merged people never) by area, sex and status.
create table tally_person (
    area text not null,
    sex text not null,
    status text not null,
    n bigint not null default 0,
    primary key (area, sex, status)
);
create view tally_person_rows as
select p.id as person_id, substr(coalesce(p.region_code, ''), 1, 8) as area, coalesce(p.sex, '') as sex, p.status
    from person p where p.merged_into is null;

-- Placements of unmerged people by area and country.
create table tally_country (
    area text not null,
    country text not null,
    n bigint not null default 0,
    primary key (area, country)
);
create view tally_country_rows as
select pl.id as placement_id, pl.person_id, substr(coalesce(p.region_code, ''), 1, 8) as area, pl.country
    from placement pl join person p on p.id = pl.person_id where p.merged_into is null;

-- Placements of unmerged people by area and the month they ended (the return).
create table tally_return (
    area text not null,
    month text not null,
    n bigint not null default 0,
    primary key (area, month)
);
create view tally_return_rows as
select pl.id as placement_id, pl.person_id, substr(coalesce(p.region_code, ''), 1, 8) as area, to_char(pl.return_date, 'YYYY-MM') as month
    from placement pl join person p on p.id = pl.person_id
    where p.merged_into is null and pl.return_date is not null;

-- Enrolments by the area their person lives in, the month enrolled, the current stage and the
-- furthest active stage reached (its rank, 0 = registered).
create table tally_funnel (
    area text not null,
    month text not null,
    stage text not null,
    furthest integer not null,
    n bigint not null default 0,
    primary key (area, month, stage, furthest)
);
create view tally_funnel_rows as
select e.id as enrolment_id, e.person_id, substr(coalesce(p.region_code, ''), 1, 8) as area, to_char(e.enrolled_at at time zone 'UTC', 'YYYY-MM') as month, e.stage, e.furthest
    from enrolment e join person p on p.id = e.person_id;

-- Enrolments by area, month enrolled and cohort.
create table tally_cohort (
    area text not null,
    month text not null,
    cohort_id bigint not null,
    n bigint not null default 0,
    primary key (area, month, cohort_id)
);
create view tally_cohort_rows as
select e.id as enrolment_id, e.person_id, substr(coalesce(p.region_code, ''), 1, 8) as area, to_char(e.enrolled_at at time zone 'UTC', 'YYYY-MM') as month, e.cohort_id
    from enrolment e join person p on p.id = e.person_id;

-- Participants' businesses by area and the month their owner enrolled.
create table tally_business (
    area text not null,
    month text not null,
    n bigint not null default 0,
    primary key (area, month)
);
create view tally_business_rows as
select b.id as business_id, b.enrolment_id, e.person_id, substr(coalesce(p.region_code, ''), 1, 8) as area, to_char(e.enrolled_at at time zone 'UTC', 'YYYY-MM') as month
    from business b join enrolment e on e.id = b.enrolment_id join person p on p.id = e.person_id;

-- Capital received by participants' businesses, by area and month received.
create table tally_capital (
    area text not null,
    month text not null,
    n bigint not null default 0,
    amount bigint not null default 0,
    primary key (area, month)
);
create view tally_capital_rows as
select ca.id as capital_id, ca.business_id, b.enrolment_id, e.person_id, substr(coalesce(p.region_code, ''), 1, 8) as area,
    to_char(ca.received_on, 'YYYY-MM') as month, ca.amount
    from capital ca join business b on b.id = ca.business_id join enrolment e on e.id = b.enrolment_id
    join person p on p.id = e.person_id;

-- Scored surveys by area, month taken, wave and index configuration: how many, how many
-- reach EMAS, and per dimension the sum of scores, how many were scored and how many reach the
-- configuration's threshold.
create table tally_survey (
    area text not null,
    month text not null,
    wave text not null,
    config_version text not null,
    n bigint not null default 0,
    reaching bigint not null default 0,
    e_sum double precision not null default 0,
    e_n bigint not null default 0,
    e_ok bigint not null default 0,
    m_sum double precision not null default 0,
    m_n bigint not null default 0,
    m_ok bigint not null default 0,
    a_sum double precision not null default 0,
    a_n bigint not null default 0,
    a_ok bigint not null default 0,
    s_sum double precision not null default 0,
    s_n bigint not null default 0,
    s_ok bigint not null default 0,
    primary key (area, month, wave, config_version)
);
create view tally_survey_rows as
select s.id as score_id, s.response_id, r.enrolment_id, e.person_id, substr(coalesce(p.region_code, ''), 1, 8) as area,
    to_char(r.taken_on, 'YYYY-MM') as month, r.wave, s.config_version, case when s.reaches then 1 else 0 end as reaches,
    s.ekonomi as e, case when s.ekonomi >= c.threshold then 1 else 0 end as e_ok, s.mandiri as m, case when s.mandiri >= c.threshold then 1 else 0 end as m_ok,
    s.aman as a, case when s.aman >= c.threshold then 1 else 0 end as a_ok, s.sejahtera as s, case when s.sejahtera >= c.threshold then 1 else 0 end as s_ok
    from emas_score s join survey_response r on r.id = s.response_id
    join enrolment e on e.id = r.enrolment_id join person p on p.id = e.person_id
    left join index_config c on c.version = s.config_version;

create function person_tally() returns trigger language plpgsql as $$
begin
    if tg_when = 'BEFORE' then
        insert into tally_person (area, sex, status, n)
        select area, sex, status, -count(*) from tally_person_rows where person_id = old.id group by area, sex, status
        on conflict (area, sex, status) do update set n = tally_person.n + excluded.n;
        insert into tally_country (area, country, n)
        select area, country, -count(*) from tally_country_rows where person_id = old.id group by area, country
        on conflict (area, country) do update set n = tally_country.n + excluded.n;
        insert into tally_return (area, month, n)
        select area, month, -count(*) from tally_return_rows where person_id = old.id group by area, month
        on conflict (area, month) do update set n = tally_return.n + excluded.n;
        insert into tally_funnel (area, month, stage, furthest, n)
        select area, month, stage, furthest, -count(*) from tally_funnel_rows where person_id = old.id group by area, month, stage, furthest
        on conflict (area, month, stage, furthest) do update set n = tally_funnel.n + excluded.n;
        insert into tally_cohort (area, month, cohort_id, n)
        select area, month, cohort_id, -count(*) from tally_cohort_rows where person_id = old.id group by area, month, cohort_id
        on conflict (area, month, cohort_id) do update set n = tally_cohort.n + excluded.n;
        insert into tally_business (area, month, n)
        select area, month, -count(*) from tally_business_rows where person_id = old.id group by area, month
        on conflict (area, month) do update set n = tally_business.n + excluded.n;
        insert into tally_capital (area, month, n, amount)
        select area, month, -count(*), -coalesce(sum(amount), 0) from tally_capital_rows where person_id = old.id group by area, month
        on conflict (area, month) do update set n = tally_capital.n + excluded.n, amount = tally_capital.amount + excluded.amount;
        insert into tally_survey (area, month, wave, config_version, n, reaching, e_sum, e_n, e_ok, m_sum, m_n, m_ok, a_sum, a_n, a_ok, s_sum, s_n, s_ok)
        select area, month, wave, config_version, -count(*), -sum(reaches), -coalesce(sum(e), 0), -count(e), -sum(e_ok), -coalesce(sum(m), 0), -count(m), -sum(m_ok), -coalesce(sum(a), 0), -count(a), -sum(a_ok), -coalesce(sum(s), 0), -count(s), -sum(s_ok) from tally_survey_rows where person_id = old.id group by area, month, wave, config_version
        on conflict (area, month, wave, config_version) do update set n = tally_survey.n + excluded.n, reaching = tally_survey.reaching + excluded.reaching, e_sum = tally_survey.e_sum + excluded.e_sum, e_n = tally_survey.e_n + excluded.e_n, e_ok = tally_survey.e_ok + excluded.e_ok, m_sum = tally_survey.m_sum + excluded.m_sum, m_n = tally_survey.m_n + excluded.m_n, m_ok = tally_survey.m_ok + excluded.m_ok, a_sum = tally_survey.a_sum + excluded.a_sum, a_n = tally_survey.a_n + excluded.a_n, a_ok = tally_survey.a_ok + excluded.a_ok, s_sum = tally_survey.s_sum + excluded.s_sum, s_n = tally_survey.s_n + excluded.s_n, s_ok = tally_survey.s_ok + excluded.s_ok;
        if tg_op = 'DELETE' then
            return old;
        end if;
        return new;
    end if;
    if tg_op = 'INSERT' then
        insert into tally_person (area, sex, status, n)
        select area, sex, status, count(*) from tally_person_rows where person_id = new.id group by area, sex, status
        on conflict (area, sex, status) do update set n = tally_person.n + excluded.n;
        return null;
    end if;
    insert into tally_person (area, sex, status, n)
    select area, sex, status, count(*) from tally_person_rows where person_id = new.id group by area, sex, status
    on conflict (area, sex, status) do update set n = tally_person.n + excluded.n;
    insert into tally_country (area, country, n)
    select area, country, count(*) from tally_country_rows where person_id = new.id group by area, country
    on conflict (area, country) do update set n = tally_country.n + excluded.n;
    insert into tally_return (area, month, n)
    select area, month, count(*) from tally_return_rows where person_id = new.id group by area, month
    on conflict (area, month) do update set n = tally_return.n + excluded.n;
    insert into tally_funnel (area, month, stage, furthest, n)
    select area, month, stage, furthest, count(*) from tally_funnel_rows where person_id = new.id group by area, month, stage, furthest
    on conflict (area, month, stage, furthest) do update set n = tally_funnel.n + excluded.n;
    insert into tally_cohort (area, month, cohort_id, n)
    select area, month, cohort_id, count(*) from tally_cohort_rows where person_id = new.id group by area, month, cohort_id
    on conflict (area, month, cohort_id) do update set n = tally_cohort.n + excluded.n;
    insert into tally_business (area, month, n)
    select area, month, count(*) from tally_business_rows where person_id = new.id group by area, month
    on conflict (area, month) do update set n = tally_business.n + excluded.n;
    insert into tally_capital (area, month, n, amount)
    select area, month, count(*), coalesce(sum(amount), 0) from tally_capital_rows where person_id = new.id group by area, month
    on conflict (area, month) do update set n = tally_capital.n + excluded.n, amount = tally_capital.amount + excluded.amount;
    insert into tally_survey (area, month, wave, config_version, n, reaching, e_sum, e_n, e_ok, m_sum, m_n, m_ok, a_sum, a_n, a_ok, s_sum, s_n, s_ok)
    select area, month, wave, config_version, count(*), sum(reaches), coalesce(sum(e), 0), count(e), sum(e_ok), coalesce(sum(m), 0), count(m), sum(m_ok), coalesce(sum(a), 0), count(a), sum(a_ok), coalesce(sum(s), 0), count(s), sum(s_ok) from tally_survey_rows where person_id = new.id group by area, month, wave, config_version
    on conflict (area, month, wave, config_version) do update set n = tally_survey.n + excluded.n, reaching = tally_survey.reaching + excluded.reaching, e_sum = tally_survey.e_sum + excluded.e_sum, e_n = tally_survey.e_n + excluded.e_n, e_ok = tally_survey.e_ok + excluded.e_ok, m_sum = tally_survey.m_sum + excluded.m_sum, m_n = tally_survey.m_n + excluded.m_n, m_ok = tally_survey.m_ok + excluded.m_ok, a_sum = tally_survey.a_sum + excluded.a_sum, a_n = tally_survey.a_n + excluded.a_n, a_ok = tally_survey.a_ok + excluded.a_ok, s_sum = tally_survey.s_sum + excluded.s_sum, s_n = tally_survey.s_n + excluded.s_n, s_ok = tally_survey.s_ok + excluded.s_ok;
    return null;
end
$$;
create trigger person_tally_before_update before update on person for each row
    when (old.region_code is distinct from new.region_code or old.sex is distinct from new.sex or old.status is distinct from new.status or old.merged_into is distinct from new.merged_into) execute function person_tally();
create trigger person_tally_after_update after update on person for each row
    when (old.region_code is distinct from new.region_code or old.sex is distinct from new.sex or old.status is distinct from new.status or old.merged_into is distinct from new.merged_into) execute function person_tally();
create trigger person_tally_delete before delete on person for each row execute function person_tally();
create trigger person_tally_insert after insert on person for each row execute function person_tally();

create function placement_tally() returns trigger language plpgsql as $$
begin
    if tg_when = 'BEFORE' then
        perform 1 from person p where p.id = old.person_id for share;
        insert into tally_country (area, country, n)
        select area, country, -count(*) from tally_country_rows where placement_id = old.id group by area, country
        on conflict (area, country) do update set n = tally_country.n + excluded.n;
        insert into tally_return (area, month, n)
        select area, month, -count(*) from tally_return_rows where placement_id = old.id group by area, month
        on conflict (area, month) do update set n = tally_return.n + excluded.n;
        if tg_op = 'DELETE' then
            return old;
        end if;
        return new;
    end if;
    perform 1 from person p where p.id = new.person_id for share;
    insert into tally_country (area, country, n)
    select area, country, count(*) from tally_country_rows where placement_id = new.id group by area, country
    on conflict (area, country) do update set n = tally_country.n + excluded.n;
    insert into tally_return (area, month, n)
    select area, month, count(*) from tally_return_rows where placement_id = new.id group by area, month
    on conflict (area, month) do update set n = tally_return.n + excluded.n;
    return null;
end
$$;
create trigger placement_tally_before_update before update on placement for each row
    when (old.person_id is distinct from new.person_id or old.country is distinct from new.country or old.return_date is distinct from new.return_date) execute function placement_tally();
create trigger placement_tally_after_update after update on placement for each row
    when (old.person_id is distinct from new.person_id or old.country is distinct from new.country or old.return_date is distinct from new.return_date) execute function placement_tally();
create trigger placement_tally_delete before delete on placement for each row execute function placement_tally();
create trigger placement_tally_insert after insert on placement for each row execute function placement_tally();

create function enrolment_tally() returns trigger language plpgsql as $$
begin
    if tg_when = 'BEFORE' then
        perform 1 from person p where p.id = old.person_id for share;
        insert into tally_funnel (area, month, stage, furthest, n)
        select area, month, stage, furthest, -count(*) from tally_funnel_rows where enrolment_id = old.id group by area, month, stage, furthest
        on conflict (area, month, stage, furthest) do update set n = tally_funnel.n + excluded.n;
        insert into tally_cohort (area, month, cohort_id, n)
        select area, month, cohort_id, -count(*) from tally_cohort_rows where enrolment_id = old.id group by area, month, cohort_id
        on conflict (area, month, cohort_id) do update set n = tally_cohort.n + excluded.n;
        insert into tally_business (area, month, n)
        select area, month, -count(*) from tally_business_rows where enrolment_id = old.id group by area, month
        on conflict (area, month) do update set n = tally_business.n + excluded.n;
        insert into tally_capital (area, month, n, amount)
        select area, month, -count(*), -coalesce(sum(amount), 0) from tally_capital_rows where enrolment_id = old.id group by area, month
        on conflict (area, month) do update set n = tally_capital.n + excluded.n, amount = tally_capital.amount + excluded.amount;
        insert into tally_survey (area, month, wave, config_version, n, reaching, e_sum, e_n, e_ok, m_sum, m_n, m_ok, a_sum, a_n, a_ok, s_sum, s_n, s_ok)
        select area, month, wave, config_version, -count(*), -sum(reaches), -coalesce(sum(e), 0), -count(e), -sum(e_ok), -coalesce(sum(m), 0), -count(m), -sum(m_ok), -coalesce(sum(a), 0), -count(a), -sum(a_ok), -coalesce(sum(s), 0), -count(s), -sum(s_ok) from tally_survey_rows where enrolment_id = old.id group by area, month, wave, config_version
        on conflict (area, month, wave, config_version) do update set n = tally_survey.n + excluded.n, reaching = tally_survey.reaching + excluded.reaching, e_sum = tally_survey.e_sum + excluded.e_sum, e_n = tally_survey.e_n + excluded.e_n, e_ok = tally_survey.e_ok + excluded.e_ok, m_sum = tally_survey.m_sum + excluded.m_sum, m_n = tally_survey.m_n + excluded.m_n, m_ok = tally_survey.m_ok + excluded.m_ok, a_sum = tally_survey.a_sum + excluded.a_sum, a_n = tally_survey.a_n + excluded.a_n, a_ok = tally_survey.a_ok + excluded.a_ok, s_sum = tally_survey.s_sum + excluded.s_sum, s_n = tally_survey.s_n + excluded.s_n, s_ok = tally_survey.s_ok + excluded.s_ok;
        if tg_op = 'DELETE' then
            return old;
        end if;
        return new;
    end if;
    perform 1 from person p where p.id = new.person_id for share;
    if tg_op = 'INSERT' then
        insert into tally_funnel (area, month, stage, furthest, n)
        select area, month, stage, furthest, count(*) from tally_funnel_rows where enrolment_id = new.id group by area, month, stage, furthest
        on conflict (area, month, stage, furthest) do update set n = tally_funnel.n + excluded.n;
        insert into tally_cohort (area, month, cohort_id, n)
        select area, month, cohort_id, count(*) from tally_cohort_rows where enrolment_id = new.id group by area, month, cohort_id
        on conflict (area, month, cohort_id) do update set n = tally_cohort.n + excluded.n;
        return null;
    end if;
    insert into tally_funnel (area, month, stage, furthest, n)
    select area, month, stage, furthest, count(*) from tally_funnel_rows where enrolment_id = new.id group by area, month, stage, furthest
    on conflict (area, month, stage, furthest) do update set n = tally_funnel.n + excluded.n;
    insert into tally_cohort (area, month, cohort_id, n)
    select area, month, cohort_id, count(*) from tally_cohort_rows where enrolment_id = new.id group by area, month, cohort_id
    on conflict (area, month, cohort_id) do update set n = tally_cohort.n + excluded.n;
    insert into tally_business (area, month, n)
    select area, month, count(*) from tally_business_rows where enrolment_id = new.id group by area, month
    on conflict (area, month) do update set n = tally_business.n + excluded.n;
    insert into tally_capital (area, month, n, amount)
    select area, month, count(*), coalesce(sum(amount), 0) from tally_capital_rows where enrolment_id = new.id group by area, month
    on conflict (area, month) do update set n = tally_capital.n + excluded.n, amount = tally_capital.amount + excluded.amount;
    insert into tally_survey (area, month, wave, config_version, n, reaching, e_sum, e_n, e_ok, m_sum, m_n, m_ok, a_sum, a_n, a_ok, s_sum, s_n, s_ok)
    select area, month, wave, config_version, count(*), sum(reaches), coalesce(sum(e), 0), count(e), sum(e_ok), coalesce(sum(m), 0), count(m), sum(m_ok), coalesce(sum(a), 0), count(a), sum(a_ok), coalesce(sum(s), 0), count(s), sum(s_ok) from tally_survey_rows where enrolment_id = new.id group by area, month, wave, config_version
    on conflict (area, month, wave, config_version) do update set n = tally_survey.n + excluded.n, reaching = tally_survey.reaching + excluded.reaching, e_sum = tally_survey.e_sum + excluded.e_sum, e_n = tally_survey.e_n + excluded.e_n, e_ok = tally_survey.e_ok + excluded.e_ok, m_sum = tally_survey.m_sum + excluded.m_sum, m_n = tally_survey.m_n + excluded.m_n, m_ok = tally_survey.m_ok + excluded.m_ok, a_sum = tally_survey.a_sum + excluded.a_sum, a_n = tally_survey.a_n + excluded.a_n, a_ok = tally_survey.a_ok + excluded.a_ok, s_sum = tally_survey.s_sum + excluded.s_sum, s_n = tally_survey.s_n + excluded.s_n, s_ok = tally_survey.s_ok + excluded.s_ok;
    return null;
end
$$;
create trigger enrolment_tally_before_update before update on enrolment for each row
    when (old.person_id is distinct from new.person_id or old.enrolled_at is distinct from new.enrolled_at or old.stage is distinct from new.stage or old.furthest is distinct from new.furthest or old.cohort_id is distinct from new.cohort_id) execute function enrolment_tally();
create trigger enrolment_tally_after_update after update on enrolment for each row
    when (old.person_id is distinct from new.person_id or old.enrolled_at is distinct from new.enrolled_at or old.stage is distinct from new.stage or old.furthest is distinct from new.furthest or old.cohort_id is distinct from new.cohort_id) execute function enrolment_tally();
create trigger enrolment_tally_delete before delete on enrolment for each row execute function enrolment_tally();
create trigger enrolment_tally_insert after insert on enrolment for each row execute function enrolment_tally();

create function business_tally() returns trigger language plpgsql as $$
begin
    if tg_when = 'BEFORE' then
        perform 1 from enrolment e join person p on p.id = e.person_id where e.id = old.enrolment_id for share;
        insert into tally_business (area, month, n)
        select area, month, -count(*) from tally_business_rows where business_id = old.id group by area, month
        on conflict (area, month) do update set n = tally_business.n + excluded.n;
        insert into tally_capital (area, month, n, amount)
        select area, month, -count(*), -coalesce(sum(amount), 0) from tally_capital_rows where business_id = old.id group by area, month
        on conflict (area, month) do update set n = tally_capital.n + excluded.n, amount = tally_capital.amount + excluded.amount;
        if tg_op = 'DELETE' then
            return old;
        end if;
        return new;
    end if;
    perform 1 from enrolment e join person p on p.id = e.person_id where e.id = new.enrolment_id for share;
    if tg_op = 'INSERT' then
        insert into tally_business (area, month, n)
        select area, month, count(*) from tally_business_rows where business_id = new.id group by area, month
        on conflict (area, month) do update set n = tally_business.n + excluded.n;
        return null;
    end if;
    insert into tally_business (area, month, n)
    select area, month, count(*) from tally_business_rows where business_id = new.id group by area, month
    on conflict (area, month) do update set n = tally_business.n + excluded.n;
    insert into tally_capital (area, month, n, amount)
    select area, month, count(*), coalesce(sum(amount), 0) from tally_capital_rows where business_id = new.id group by area, month
    on conflict (area, month) do update set n = tally_capital.n + excluded.n, amount = tally_capital.amount + excluded.amount;
    return null;
end
$$;
create trigger business_tally_before_update before update on business for each row
    when (old.enrolment_id is distinct from new.enrolment_id) execute function business_tally();
create trigger business_tally_after_update after update on business for each row
    when (old.enrolment_id is distinct from new.enrolment_id) execute function business_tally();
create trigger business_tally_delete before delete on business for each row execute function business_tally();
create trigger business_tally_insert after insert on business for each row execute function business_tally();

create function capital_tally() returns trigger language plpgsql as $$
begin
    if tg_when = 'BEFORE' then
        perform 1 from business b join enrolment e on e.id = b.enrolment_id join person p on p.id = e.person_id where b.id = old.business_id for share;
        insert into tally_capital (area, month, n, amount)
        select area, month, -count(*), -coalesce(sum(amount), 0) from tally_capital_rows where capital_id = old.id group by area, month
        on conflict (area, month) do update set n = tally_capital.n + excluded.n, amount = tally_capital.amount + excluded.amount;
        if tg_op = 'DELETE' then
            return old;
        end if;
        return new;
    end if;
    perform 1 from business b join enrolment e on e.id = b.enrolment_id join person p on p.id = e.person_id where b.id = new.business_id for share;
    insert into tally_capital (area, month, n, amount)
    select area, month, count(*), coalesce(sum(amount), 0) from tally_capital_rows where capital_id = new.id group by area, month
    on conflict (area, month) do update set n = tally_capital.n + excluded.n, amount = tally_capital.amount + excluded.amount;
    return null;
end
$$;
create trigger capital_tally_before_update before update on capital for each row
    when (old.business_id is distinct from new.business_id or old.amount is distinct from new.amount or old.received_on is distinct from new.received_on) execute function capital_tally();
create trigger capital_tally_after_update after update on capital for each row
    when (old.business_id is distinct from new.business_id or old.amount is distinct from new.amount or old.received_on is distinct from new.received_on) execute function capital_tally();
create trigger capital_tally_delete before delete on capital for each row execute function capital_tally();
create trigger capital_tally_insert after insert on capital for each row execute function capital_tally();

create function survey_response_tally() returns trigger language plpgsql as $$
begin
    if tg_when = 'BEFORE' then
        perform 1 from enrolment e join person p on p.id = e.person_id where e.id = old.enrolment_id for share;
        insert into tally_survey (area, month, wave, config_version, n, reaching, e_sum, e_n, e_ok, m_sum, m_n, m_ok, a_sum, a_n, a_ok, s_sum, s_n, s_ok)
        select area, month, wave, config_version, -count(*), -sum(reaches), -coalesce(sum(e), 0), -count(e), -sum(e_ok), -coalesce(sum(m), 0), -count(m), -sum(m_ok), -coalesce(sum(a), 0), -count(a), -sum(a_ok), -coalesce(sum(s), 0), -count(s), -sum(s_ok) from tally_survey_rows where response_id = old.id group by area, month, wave, config_version
        on conflict (area, month, wave, config_version) do update set n = tally_survey.n + excluded.n, reaching = tally_survey.reaching + excluded.reaching, e_sum = tally_survey.e_sum + excluded.e_sum, e_n = tally_survey.e_n + excluded.e_n, e_ok = tally_survey.e_ok + excluded.e_ok, m_sum = tally_survey.m_sum + excluded.m_sum, m_n = tally_survey.m_n + excluded.m_n, m_ok = tally_survey.m_ok + excluded.m_ok, a_sum = tally_survey.a_sum + excluded.a_sum, a_n = tally_survey.a_n + excluded.a_n, a_ok = tally_survey.a_ok + excluded.a_ok, s_sum = tally_survey.s_sum + excluded.s_sum, s_n = tally_survey.s_n + excluded.s_n, s_ok = tally_survey.s_ok + excluded.s_ok;
        if tg_op = 'DELETE' then
            return old;
        end if;
        return new;
    end if;
    perform 1 from enrolment e join person p on p.id = e.person_id where e.id = new.enrolment_id for share;
    if tg_op = 'INSERT' then
        return null;
    end if;
    insert into tally_survey (area, month, wave, config_version, n, reaching, e_sum, e_n, e_ok, m_sum, m_n, m_ok, a_sum, a_n, a_ok, s_sum, s_n, s_ok)
    select area, month, wave, config_version, count(*), sum(reaches), coalesce(sum(e), 0), count(e), sum(e_ok), coalesce(sum(m), 0), count(m), sum(m_ok), coalesce(sum(a), 0), count(a), sum(a_ok), coalesce(sum(s), 0), count(s), sum(s_ok) from tally_survey_rows where response_id = new.id group by area, month, wave, config_version
    on conflict (area, month, wave, config_version) do update set n = tally_survey.n + excluded.n, reaching = tally_survey.reaching + excluded.reaching, e_sum = tally_survey.e_sum + excluded.e_sum, e_n = tally_survey.e_n + excluded.e_n, e_ok = tally_survey.e_ok + excluded.e_ok, m_sum = tally_survey.m_sum + excluded.m_sum, m_n = tally_survey.m_n + excluded.m_n, m_ok = tally_survey.m_ok + excluded.m_ok, a_sum = tally_survey.a_sum + excluded.a_sum, a_n = tally_survey.a_n + excluded.a_n, a_ok = tally_survey.a_ok + excluded.a_ok, s_sum = tally_survey.s_sum + excluded.s_sum, s_n = tally_survey.s_n + excluded.s_n, s_ok = tally_survey.s_ok + excluded.s_ok;
    return null;
end
$$;
create trigger survey_response_tally_before_update before update on survey_response for each row
    when (old.enrolment_id is distinct from new.enrolment_id or old.taken_on is distinct from new.taken_on or old.wave is distinct from new.wave) execute function survey_response_tally();
create trigger survey_response_tally_after_update after update on survey_response for each row
    when (old.enrolment_id is distinct from new.enrolment_id or old.taken_on is distinct from new.taken_on or old.wave is distinct from new.wave) execute function survey_response_tally();
create trigger survey_response_tally_delete before delete on survey_response for each row execute function survey_response_tally();

create function emas_score_tally() returns trigger language plpgsql as $$
begin
    if tg_when = 'BEFORE' then
        perform 1 from survey_response r join enrolment e on e.id = r.enrolment_id join person p on p.id = e.person_id where r.id = old.response_id for share;
        insert into tally_survey (area, month, wave, config_version, n, reaching, e_sum, e_n, e_ok, m_sum, m_n, m_ok, a_sum, a_n, a_ok, s_sum, s_n, s_ok)
        select area, month, wave, config_version, -count(*), -sum(reaches), -coalesce(sum(e), 0), -count(e), -sum(e_ok), -coalesce(sum(m), 0), -count(m), -sum(m_ok), -coalesce(sum(a), 0), -count(a), -sum(a_ok), -coalesce(sum(s), 0), -count(s), -sum(s_ok) from tally_survey_rows where score_id = old.id group by area, month, wave, config_version
        on conflict (area, month, wave, config_version) do update set n = tally_survey.n + excluded.n, reaching = tally_survey.reaching + excluded.reaching, e_sum = tally_survey.e_sum + excluded.e_sum, e_n = tally_survey.e_n + excluded.e_n, e_ok = tally_survey.e_ok + excluded.e_ok, m_sum = tally_survey.m_sum + excluded.m_sum, m_n = tally_survey.m_n + excluded.m_n, m_ok = tally_survey.m_ok + excluded.m_ok, a_sum = tally_survey.a_sum + excluded.a_sum, a_n = tally_survey.a_n + excluded.a_n, a_ok = tally_survey.a_ok + excluded.a_ok, s_sum = tally_survey.s_sum + excluded.s_sum, s_n = tally_survey.s_n + excluded.s_n, s_ok = tally_survey.s_ok + excluded.s_ok;
        if tg_op = 'DELETE' then
            return old;
        end if;
        return new;
    end if;
    perform 1 from survey_response r join enrolment e on e.id = r.enrolment_id join person p on p.id = e.person_id where r.id = new.response_id for share;
    insert into tally_survey (area, month, wave, config_version, n, reaching, e_sum, e_n, e_ok, m_sum, m_n, m_ok, a_sum, a_n, a_ok, s_sum, s_n, s_ok)
    select area, month, wave, config_version, count(*), sum(reaches), coalesce(sum(e), 0), count(e), sum(e_ok), coalesce(sum(m), 0), count(m), sum(m_ok), coalesce(sum(a), 0), count(a), sum(a_ok), coalesce(sum(s), 0), count(s), sum(s_ok) from tally_survey_rows where score_id = new.id group by area, month, wave, config_version
    on conflict (area, month, wave, config_version) do update set n = tally_survey.n + excluded.n, reaching = tally_survey.reaching + excluded.reaching, e_sum = tally_survey.e_sum + excluded.e_sum, e_n = tally_survey.e_n + excluded.e_n, e_ok = tally_survey.e_ok + excluded.e_ok, m_sum = tally_survey.m_sum + excluded.m_sum, m_n = tally_survey.m_n + excluded.m_n, m_ok = tally_survey.m_ok + excluded.m_ok, a_sum = tally_survey.a_sum + excluded.a_sum, a_n = tally_survey.a_n + excluded.a_n, a_ok = tally_survey.a_ok + excluded.a_ok, s_sum = tally_survey.s_sum + excluded.s_sum, s_n = tally_survey.s_n + excluded.s_n, s_ok = tally_survey.s_ok + excluded.s_ok;
    return null;
end
$$;
create trigger emas_score_tally_before_update before update on emas_score for each row
    when (old.response_id is distinct from new.response_id or old.config_version is distinct from new.config_version or old.ekonomi is distinct from new.ekonomi or old.mandiri is distinct from new.mandiri or old.aman is distinct from new.aman or old.sejahtera is distinct from new.sejahtera or old.reaches is distinct from new.reaches) execute function emas_score_tally();
create trigger emas_score_tally_after_update after update on emas_score for each row
    when (old.response_id is distinct from new.response_id or old.config_version is distinct from new.config_version or old.ekonomi is distinct from new.ekonomi or old.mandiri is distinct from new.mandiri or old.aman is distinct from new.aman or old.sejahtera is distinct from new.sejahtera or old.reaches is distinct from new.reaches) execute function emas_score_tally();
create trigger emas_score_tally_delete before delete on emas_score for each row execute function emas_score_tally();
create trigger emas_score_tally_insert after insert on emas_score for each row execute function emas_score_tally();
