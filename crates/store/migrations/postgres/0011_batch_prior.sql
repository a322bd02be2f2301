-- The prior (log2 odds) a batch was resolved with: calibrated on the batch's own candidate
-- pairs, so that the review queue explains a pair with the prior that scored it.
alter table import_batch add column link_prior double precision;
