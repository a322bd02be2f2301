-- Person resolution: what the linkage engine compares (one link record per source record, and
-- one per person entered by hand), its blocking keys and value frequencies, the review queue of
-- doubtful pairs, merges and splits of people (undoable), and departures after a return.

-- A person merged into another stays, pointing at the survivor, so that an undo can bring it back.
alter table person add column merged_into integer references person (id);
create index person_merged_into on person (merged_into);

create table link_record (
    id integer primary key,
    -- The person (the engine's cluster) this record belongs to.
    person_id integer not null references person (id),
    -- Null for a person entered by hand: the record is their own fields.
    source_record_id integer references source_record (id) on delete cascade,
    -- The engine's input: a JSON array of [field, value] pairs.
    input text not null,
    created_at text not null
);
create index link_record_person on link_record (person_id);
create unique index link_record_source on link_record (source_record_id);

-- Blocking keys: records sharing a key are compared. Keys are stable hashes of standardised
-- values, so a new batch finds its candidates without loading the registry.
create table link_key (
    key integer not null,
    link_record_id integer not null references link_record (id) on delete cascade,
    primary key (key, link_record_id)
);
create index link_key_record on link_key (link_record_id);

-- How often each standardised value occurs, for term-frequency adjustment ("Siti Aminah"
-- counts for less than a rare name).
create table link_frequency (
    comparison text not null,
    value text not null,
    n integer not null,
    primary key (comparison, value)
);

-- A doubtful pair: a new record and an existing one scored between the thresholds, or a match
-- held back because it would join two valid NIKs, two birth dates or two people.
create table review_pair (
    id integer primary key,
    new_record integer not null references link_record (id) on delete cascade,
    existing_record integer not null references link_record (id) on delete cascade,
    probability real not null,
    reason text not null,
    -- The region of the people involved, for scoping the queue.
    region_code text,
    batch_id integer references import_batch (id) on delete cascade,
    status text not null default 'open',
    decided_by integer references app_user (id),
    decided_at text,
    -- The merge a "same person" decision made.
    change_id integer,
    created_at text not null,
    unique (new_record, existing_record)
);
create index review_pair_open on review_pair (status, probability);

create table person_change (
    id integer primary key,
    -- 'merge': other_id joined person_id; 'split': other_id was made from part of person_id.
    kind text not null,
    person_id integer not null references person (id),
    other_id integer not null references person (id),
    reason text not null,
    -- What moved, as JSON, so that an undo moves exactly that back.
    moved text not null,
    created_by integer references app_user (id),
    created_at text not null,
    undone_by integer references app_user (id),
    undone_at text
);
create index person_change_person on person_change (person_id);
create index person_change_other on person_change (other_id);

-- A person found on a departure list after their return: "departed again" (the Mandiri
-- dimension of EMAS). Undoing the departure import restores the previous status.
create table remigration (
    id integer primary key,
    person_id integer not null references person (id),
    departure_date text not null,
    source_record_id integer not null references source_record (id) on delete cascade,
    previous_status text not null,
    previous_status_since text,
    created_at text not null
);
create index remigration_person on remigration (person_id);

alter table import_batch add column rows_review integer not null default 0;
