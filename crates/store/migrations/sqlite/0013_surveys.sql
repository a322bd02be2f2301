-- Outcome surveys and the EMAS index (docs/emas-index.md). Instruments and index configurations
-- are versioned texts (TOML) kept as they were used; a survey response keeps its instrument
-- version and a score keeps both versions, so a new configuration never rewrites history.

create table survey_instrument (
    id text primary key,
    body text not null,
    created_at text not null
);

-- The newest row (highest id) is the configuration in force.
create table index_config (
    id integer primary key,
    version text not null unique,
    body text not null,
    created_by integer references app_user (id),
    created_at text not null
);

-- Monthly minimum wage (UMK) of a regency/city for a year, whole rupiah, with its source.
-- Seeded for Banten's eight regencies and cities, 2024 and 2025, from the figures of the
-- Governor of Banten's UMK decrees as reported in the press (Tribunnews 24 Dec 2024 and others;
-- sen dropped). They have NOT been checked against the decree texts: an admin should confirm
-- them at /admin/umk. No foreign key to region: regions are loaded at start, after migrations.
create table umk (
    region_code text not null,
    year integer not null check (year between 2000 and 2100),
    amount integer not null check (amount > 0 and amount <= 1000000000),
    source text not null,
    updated_by integer references app_user (id),
    updated_at text not null,
    primary key (region_code, year)
);
insert into umk (region_code, year, amount, source, updated_at) values
    ('36.01', 2024, 3010929, 'Kepgub Banten UMK 2024 (press report, unchecked)', '2026-12-01T00:00:00Z'),
    ('36.02', 2024, 2978764, 'Kepgub Banten UMK 2024 (press report, unchecked)', '2026-12-01T00:00:00Z'),
    ('36.03', 2024, 4601988, 'Kepgub Banten UMK 2024 (press report, unchecked)', '2026-12-01T00:00:00Z'),
    ('36.04', 2024, 4560894, 'Kepgub Banten UMK 2024 (press report, unchecked)', '2026-12-01T00:00:00Z'),
    ('36.71', 2024, 4760289, 'Kepgub Banten UMK 2024 (press report, unchecked)', '2026-12-01T00:00:00Z'),
    ('36.72', 2024, 4815102, 'Kepgub Banten UMK 2024 (press report, unchecked)', '2026-12-01T00:00:00Z'),
    ('36.73', 2024, 4148602, 'Kepgub Banten UMK 2024 (press report, unchecked)', '2026-12-01T00:00:00Z'),
    ('36.74', 2024, 4670791, 'Kepgub Banten UMK 2024 (press report, unchecked)', '2026-12-01T00:00:00Z'),
    ('36.01', 2025, 3206640, 'Kepgub Banten UMK 2025 (press report, unchecked)', '2026-12-01T00:00:00Z'),
    ('36.02', 2025, 3172384, 'Kepgub Banten UMK 2025 (press report, unchecked)', '2026-12-01T00:00:00Z'),
    ('36.03', 2025, 4901117, 'Kepgub Banten UMK 2025 (press report, unchecked)', '2026-12-01T00:00:00Z'),
    ('36.04', 2025, 4857353, 'Kepgub Banten UMK 2025 (press report, unchecked)', '2026-12-01T00:00:00Z'),
    ('36.71', 2025, 5069708, 'Kepgub Banten UMK 2025 (press report, unchecked)', '2026-12-01T00:00:00Z'),
    ('36.72', 2025, 5128084, 'Kepgub Banten UMK 2025 (press report, unchecked)', '2026-12-01T00:00:00Z'),
    ('36.73', 2025, 4418261, 'Kepgub Banten UMK 2025 (press report, unchecked)', '2026-12-01T00:00:00Z'),
    ('36.74', 2025, 4974392, 'Kepgub Banten UMK 2025 (press report, unchecked)', '2026-12-01T00:00:00Z');

-- One survey of an enrolment per wave. taken_by is the officer, or the participant's own
-- account (self_reported) when they answered at /me/surveys.
create table survey_response (
    id integer primary key,
    enrolment_id integer not null references enrolment (id) on delete cascade,
    wave text not null check (wave in ('baseline', 'm6', 'm12', 'm24')),
    taken_on text not null,
    taken_by integer not null references app_user (id),
    self_reported integer not null default 0,
    instrument_id text not null references survey_instrument (id),
    recorded_at text not null,
    unique (enrolment_id, wave)
);
create index survey_response_taken on survey_response (taken_on);

-- Answers as stored text (survey::Answer::to_text), valid for the response's instrument.
create table survey_answer (
    response_id integer not null references survey_response (id) on delete cascade,
    question_id text not null,
    value text not null,
    primary key (response_id, question_id)
);

-- A response's score under one configuration. A null dimension is missing (too few answers).
-- umk and baseline_income are the context used, so a score can be recomputed by hand.
create table emas_score (
    id integer primary key,
    response_id integer not null references survey_response (id) on delete cascade,
    config_version text not null references index_config (version),
    instrument_id text not null references survey_instrument (id),
    ekonomi real check (ekonomi between 0 and 1),
    mandiri real check (mandiri between 0 and 1),
    aman real check (aman between 0 and 1),
    sejahtera real check (sejahtera between 0 and 1),
    reaches integer not null,
    umk integer,
    baseline_income integer,
    scored_at text not null,
    unique (response_id, config_version)
);
create index emas_score_config on emas_score (config_version, response_id);
