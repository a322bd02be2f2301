-- Indexes for the coordination dashboard on a large registry (docs/dashboard.md has the
-- figures). Each covers one of its counts, so a region's rows are read from the index alone.

-- People of a region by sex and status, and by area below it (outcomes: people, by sex,
-- departed again, the map); merged people are never counted.
create index person_dashboard on person (region_code, sex, status) where merged_into is null;

-- Participants enrolled within a period (the funnel, by cohort, by area, businesses).
create index enrolment_enrolled on enrolment (enrolled_at, person_id);

-- A person's placements by country and return date (by country, returned within the period).
create index placement_person_country on placement (person_id, country, return_date);

-- Surveys of a period with their enrolment and wave (EMAS by wave).
create index survey_response_taken_enrolment on survey_response (taken_on, enrolment_id, wave);
