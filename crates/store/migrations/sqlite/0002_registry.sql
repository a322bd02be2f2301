-- The registry of PMI Purna: people, their address history, phones, consents and placements.

create table person (
    id integer primary key,
    -- Sixteen digits when the NIK has that shape; null when none was given.
    nik text,
    -- A mismatch between the NIK and the birth date or sex that a registrar accepted, and why.
    nik_mismatch_note text not null default '',
    full_name text not null,
    sex text,
    birth_date text,
    birth_place text not null default '',
    education text not null default '',
    household_size integer,
    skills text not null default '',
    languages text not null default '',
    status text not null,
    status_since text,
    -- The region of the current address as recorded (village, district or regency code), and
    -- whether the reference data knows it; scope filters use it.
    region_code text,
    region_known integer not null default 1,
    created_at text not null,
    updated_at text not null
);
create index person_nik on person (nik);
create index person_region on person (region_code);
create index person_name on person (full_name);

-- Phonetic keys of the name's tokens and neighbouring pairs (domain::person::name_search_keys).
create table person_name_key (
    key text not null,
    person_id integer not null references person (id) on delete cascade,
    primary key (key, person_id)
);
create index person_name_key_person on person_name_key (person_id);

create table person_address (
    id integer primary key,
    person_id integer not null references person (id) on delete cascade,
    region_code text,
    region_known integer not null default 1,
    kampung text not null default '',
    rt text not null default '',
    rw text not null default '',
    street text not null default '',
    valid_from text not null,
    valid_until text
);
create index person_address_person on person_address (person_id);

create table person_phone (
    person_id integer not null references person (id) on delete cascade,
    -- E.164, e.g. +6281234567890.
    phone text not null,
    primary key (person_id, phone)
);
create index person_phone_phone on person_phone (phone);

create table consent (
    id integer primary key,
    person_id integer not null references person (id) on delete cascade,
    purpose text not null,
    legal_basis text not null,
    given_on text not null,
    recorded_by integer not null references app_user (id),
    recorded_at text not null
);
create index consent_person on consent (person_id);

create table placement (
    id integer primary key,
    person_id integer not null references person (id) on delete cascade,
    country text not null,
    sector text not null,
    route text not null,
    employer text not null default '',
    agency text not null default '',
    departure_date text,
    return_date text,
    return_reason text not null default '',
    created_at text not null
);
create index placement_person on placement (person_id);
create index placement_country on placement (country);
