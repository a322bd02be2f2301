-- Imports: the lists agencies keep (sources), each upload of one (an import batch), and every row
-- as it came (source records), linked to the person it belongs to.

create table source (
    id integer primary key,
    name text not null unique,
    kind text not null,
    agency_id integer references agency (id),
    created_at text not null
);

create table import_batch (
    id integer primary key,
    source_id integer not null references source (id),
    file_name text not null,
    file_sha256 text not null,
    -- The uploaded file, kept between preview and commit so the commit reads exactly what was
    -- previewed.
    file_bytes blob,
    status text not null,
    rows_total integer not null default 0,
    rows_new integer not null default 0,
    rows_matched integer not null default 0,
    rows_already integer not null default 0,
    rows_error integer not null default 0,
    -- Null for imports run from the command line.
    created_by integer references app_user (id),
    created_at text not null,
    committed_at text,
    undone_at text
);
create index import_batch_source on import_batch (source_id);

create table source_record (
    id integer primary key,
    source_id integer not null references source (id),
    batch_id integer not null references import_batch (id),
    record_id text not null,
    line integer not null,
    row_hash text not null,
    -- The row as it came: a JSON array of [header, value] pairs.
    raw text not null,
    warnings text not null default '',
    person_id integer references person (id),
    created_at text not null,
    unique (source_id, row_hash)
);
create index source_record_batch on source_record (batch_id);
create index source_record_person on source_record (person_id);

alter table person add column created_by_batch integer references import_batch (id);
alter table placement add column source_record_id integer references source_record (id) on delete cascade;
