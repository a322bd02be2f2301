-- The column mapping a registrar corrected for an import, kept with the batch and as the
-- template of its source for the next file (JSON: header → field name).
alter table import_batch add column mapping text;
alter table source add column mapping_template text;
