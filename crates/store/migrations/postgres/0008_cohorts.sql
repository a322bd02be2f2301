-- Cohorts at work: who attended which session, pre- and post-test scores, and the rules a
-- programme and a track set for who may enrol and who completes.

-- Eligibility: returned within this many years (none: no such rule).
alter table programme add column returned_within_years integer;
-- Completion: a recorded post-test is required besides the attendance share.
alter table track add column requires_post_test boolean not null default false;

create table attendance (
    session_id bigint not null references cohort_session (id) on delete cascade,
    enrolment_id bigint not null references enrolment (id) on delete cascade,
    present boolean not null,
    recorded_by bigint references app_user (id),
    recorded_at timestamptz not null,
    primary key (session_id, enrolment_id)
);
create index attendance_enrolment on attendance (enrolment_id);

create table test_score (
    enrolment_id bigint not null references enrolment (id) on delete cascade,
    kind text not null check (kind in ('pre', 'post')),
    score integer not null check (score between 0 and 100),
    recorded_by bigint references app_user (id),
    recorded_at timestamptz not null,
    primary key (enrolment_id, kind)
);
