-- The pipeline's history and the participants' businesses. Every stage move is a row of
-- stage_change (the enrolment keeps only the current stage); a revert is a new row the other way,
-- and the reverted row points at it. A business belongs to an enrolment (its main owner); other
-- owners are people of the registry (business_owner). Money is whole rupiah.

create table stage_change (
    id integer primary key,
    enrolment_id integer not null references enrolment (id) on delete cascade,
    from_stage text not null,
    to_stage text not null,
    reason text not null default '',
    changed_by integer not null references app_user (id),
    changed_at text not null,
    -- The change that took this one back, if any.
    reverted_by_change_id integer references stage_change (id)
);
create index stage_change_enrolment on stage_change (enrolment_id, id);

create table business (
    id integer primary key,
    enrolment_id integer not null unique references enrolment (id) on delete cascade,
    name text not null,
    kbli_code text not null,
    place text not null default '',
    region_code text references region (code),
    started_on text,
    nib text not null default '',
    pirt text not null default '',
    halal text not null default '',
    workers integer not null default 0,
    created_by integer references app_user (id),
    created_at text not null,
    updated_at text not null
);

-- Owners besides the participant. No unique (business, person): a merge of two people who
-- both co-own one business moves both rows, and a list shows the owner once.
create table business_owner (
    id integer primary key,
    business_id integer not null references business (id) on delete cascade,
    person_id integer not null references person (id),
    added_at text not null
);
create index business_owner_person on business_owner (person_id);
create index business_owner_business on business_owner (business_id);

create table business_month (
    id integer primary key,
    business_id integer not null references business (id) on delete cascade,
    month text not null,
    revenue integer not null check (revenue >= 0),
    costs integer not null check (costs >= 0),
    recorded_by integer not null references app_user (id),
    recorded_at text not null,
    unique (business_id, month)
);

create table capital (
    id integer primary key,
    business_id integer not null references business (id) on delete cascade,
    source text not null,
    lender text not null default '',
    amount integer not null check (amount > 0),
    received_on text not null,
    repayment_status text not null,
    recorded_by integer not null references app_user (id),
    recorded_at text not null
);
create index capital_business on capital (business_id);

create table mentoring_visit (
    id integer primary key,
    enrolment_id integer not null references enrolment (id) on delete cascade,
    visited_on text not null,
    topics text not null default '',
    problems text not null default '',
    advice text not null default '',
    next_step text not null default '',
    mentor_id integer not null references app_user (id),
    recorded_at text not null
);
create index mentoring_visit_enrolment on mentoring_visit (enrolment_id);
