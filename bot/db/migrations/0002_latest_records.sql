-- Version 2: the latest record per subject and condition/criterion is found by index.
CREATE INDEX objective_records_latest ON objective_records (subject_id, condition, assessed_on DESC, id DESC);
CREATE INDEX findings_latest ON findings (subject_id, criterion, found_on DESC, id DESC);
