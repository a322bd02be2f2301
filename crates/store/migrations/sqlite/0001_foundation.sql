-- Foundation: reference regions, agencies, accounts, sessions, sign-in throttling, audit, API
-- tokens and settings. Times are UTC, passed in from Rust (sqlx chrono).

create table region (
    code text primary key,
    name text not null,
    level integer not null,
    parent_code text
);
create index region_parent on region (parent_code);

create table agency (
    id integer primary key,
    code text not null unique,
    name text not null,
    kind text not null,
    region_code text references region (code),
    created_at text not null
);

create table app_user (
    id integer primary key,
    username text not null unique,
    display_name text not null,
    password_hash text not null,
    role text not null,
    scope text not null,
    agency_id integer not null references agency (id),
    active integer not null default 1,
    must_change_password integer not null default 0,
    created_at text not null,
    updated_at text not null
);

create table user_session (
    token_hash text primary key,
    user_id integer not null references app_user (id) on delete cascade,
    csrf_token text not null,
    created_at text not null,
    last_seen_at text not null,
    absolute_expires_at text not null
);
create index user_session_user on user_session (user_id);

create table login_throttle (
    username_key text primary key,
    failures integer not null,
    first_failure_at text not null,
    locked_until text
);

create table audit_log (
    id integer primary key,
    at text not null,
    actor_user_id integer references app_user (id),
    actor text not null,
    action text not null,
    entity text not null,
    entity_id text not null,
    detail text not null default '',
    request_id text not null default ''
);
create index audit_log_at on audit_log (at);
create index audit_log_entity on audit_log (entity, entity_id);
create index audit_log_actor on audit_log (actor_user_id);

-- The log is append-only: the database itself refuses to change or remove a line.
create trigger audit_log_no_update before update on audit_log
begin
    select raise(abort, 'audit_log is append-only');
end;
create trigger audit_log_no_delete before delete on audit_log
begin
    select raise(abort, 'audit_log is append-only');
end;

create table api_token (
    id integer primary key,
    user_id integer not null references app_user (id),
    name text not null,
    token_hash text not null unique,
    created_at text not null,
    created_by integer not null references app_user (id),
    revoked_at text,
    last_used_at text
);

create table setting (
    key text primary key,
    value text not null
);
