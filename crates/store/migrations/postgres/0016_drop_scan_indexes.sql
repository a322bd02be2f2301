-- The indexes of 0014 served a dashboard that scanned a region's rows on every request. The
-- dashboard now reads the tallies of 0015, and nothing else reads through these, so they are
-- dropped: every import, enrolment and survey writes four indexes fewer.
drop index person_dashboard;
drop index enrolment_enrolled;
drop index placement_person_country;
drop index survey_response_taken_enrolment;
