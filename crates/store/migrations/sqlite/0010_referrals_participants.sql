-- Referrals between agencies and participants' own accounts. An agency offers services
-- (agency_service); a referral sends a person to an agency for one of them, with a due date, and
-- every change of its status is kept (referral_event). A participant's account names their
-- person (app_user.person_id) and is opened through a one-time link whose token is stored only
-- as its SHA-256.

create table agency_service (
    agency_id integer not null references agency (id) on delete cascade,
    -- business_licensing, kur, skills_training, counselling, legal_aid, other
    service text not null,
    primary key (agency_id, service)
);
create index agency_service_service on agency_service (service);

create table referral (
    id integer primary key,
    person_id integer not null references person (id),
    enrolment_id integer references enrolment (id),
    from_agency_id integer not null references agency (id),
    to_agency_id integer not null references agency (id),
    service text not null,
    note text not null default '',
    due_on text not null,
    -- sent, accepted, declined, closed
    status text not null default 'sent',
    outcome text not null default '',
    created_by integer references app_user (id),
    created_at text not null,
    updated_at text not null
);
create index referral_person on referral (person_id);
create index referral_to on referral (to_agency_id, status, due_on);
create index referral_from on referral (from_agency_id, status, due_on);

create table referral_event (
    id integer primary key,
    referral_id integer not null references referral (id) on delete cascade,
    status text not null,
    note text not null default '',
    by_user_id integer references app_user (id),
    at text not null
);
create index referral_event_referral on referral_event (referral_id);

alter table app_user add column person_id integer references person (id);
create index app_user_person on app_user (person_id);

create table one_time_link (
    token_hash text primary key,
    user_id integer not null references app_user (id) on delete cascade,
    created_by integer references app_user (id),
    created_at text not null,
    expires_at text not null,
    used_at text
);
create index one_time_link_user on one_time_link (user_id);
