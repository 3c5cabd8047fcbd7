-- Version 6: a spreadsheet import between its preview and its apply (or cancel) is a row, so a restart
-- in between loses nothing. 'awaiting' marks a person who asked /import and whose next file is the table.
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    created_by  INTEGER NOT NULL REFERENCES users (telegram_id),
    created_at  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('awaiting', 'pending', 'applied', 'cancelled')),
    file_name   TEXT,
    kind        TEXT CHECK (kind IN ('subjects', 'objective', 'findings')),
    rows_json   TEXT,      -- the accepted rows, typed, as JSON (what apply writes)
    counts_json TEXT,      -- added / updated / unchanged / rejected at the preview
    decided_at  TEXT
);
CREATE INDEX imports_by_user ON imports (created_by, status, id DESC);
-- The keys by which a re-imported row finds its record: subject, condition/criterion, date, source.
CREATE INDEX objective_records_import_key ON objective_records (subject_id, condition, occurred_on, source_note);
CREATE INDEX findings_import_key ON findings (subject_id, criterion, found_on, source_note);
