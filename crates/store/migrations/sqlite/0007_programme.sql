-- The empowerment programme's core: programmes with their partner agencies and tracks, cohorts
-- of a track with their sessions, and the enrolment of registry people in a cohort, which carries
-- the participant's stage in the pipeline. Attendance, scores, stage history, businesses,
-- referrals and participant accounts add their own tables.

create table programme (
    id integer primary key,
    name text not null,
    owner_agency_id integer not null references agency (id),
    -- The region the programme serves: its participants live there.
    region_code text not null references region (code),
    starts_on text not null,
    ends_on text not null,
    budget_line text not null default '',
    description text not null default '',
    created_by integer references app_user (id),
    created_at text not null,
    updated_at text not null
);
create index programme_region on programme (region_code);

create table programme_partner (
    programme_id integer not null references programme (id) on delete cascade,
    agency_id integer not null references agency (id),
    -- What the partner brings, e.g. 'kur', 'legality', 'training'.
    role text not null default '',
    primary key (programme_id, agency_id)
);

-- A track: social empowerment (reintegration, psychosocial support, financial literacy, family
-- sessions) or economic empowerment (entrepreneurship, mentoring, legality, capital, markets).
create table track (
    id integer primary key,
    programme_id integer not null references programme (id) on delete cascade,
    kind text not null,
    name text not null,
    description text not null default '',
    -- Completion rule: the share of sessions attended, in percent, and whether a passed
    -- post-test is required.
    min_attendance_percent integer not null default 80,
    created_at text not null
);
create index track_programme on track (programme_id);

create table cohort (
    id integer primary key,
    track_id integer not null references track (id) on delete cascade,
    name text not null,
    place text not null default '',
    region_code text references region (code),
    capacity integer not null,
    starts_on text,
    ends_on text,
    created_at text not null
);
create index cohort_track on cohort (track_id);

create table cohort_trainer (
    cohort_id integer not null references cohort (id) on delete cascade,
    user_id integer not null references app_user (id),
    primary key (cohort_id, user_id)
);

create table cohort_session (
    id integer primary key,
    cohort_id integer not null references cohort (id) on delete cascade,
    held_on text not null,
    topic text not null,
    created_at text not null
);
create index cohort_session_cohort on cohort_session (cohort_id);

-- A person in a cohort, and where they stand in the pipeline (registered, assessed, trained,
-- business_plan, mentored, business_registered, financed, operating; or dropped_out,
-- departed_again).
create table enrolment (
    id integer primary key,
    cohort_id integer not null references cohort (id),
    person_id integer not null references person (id),
    -- The track, repeated so that "one cohort of a track per person" is a unique index.
    track_id integer not null references track (id),
    stage text not null default 'registered',
    stage_since text not null,
    enrolled_by integer references app_user (id),
    enrolled_at text not null,
    unique (track_id, person_id)
);
create index enrolment_cohort on enrolment (cohort_id);
create index enrolment_person on enrolment (person_id);
