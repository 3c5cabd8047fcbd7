-- Version 10 (issue 14 items 1, 2, 4): proof on the sheet and follow-up on violations.
-- Evidence: the SHA-256 of the bytes downloaded through the Bot API when the file arrived (NULL when the
-- download failed: the appendix says so); file_size is then the number of bytes hashed.
ALTER TABLE evidence ADD COLUMN sha256 TEXT;

-- Where the visit happened: the phone's location shared at the header (or later in the draft), its
-- accuracy in metres as Telegram gives it, and the server time it was received (ISO UTC).
ALTER TABLE inspections ADD COLUMN location_lat REAL;
ALTER TABLE inspections ADD COLUMN location_lon REAL;
ALTER TABLE inspections ADD COLUMN location_accuracy REAL;
ALTER TABLE inspections ADD COLUMN location_at TEXT;

-- A finalized sheet's PDF, stored once when first rendered in a language: every later request sends the
-- same bytes, so the SHA-256 recorded here identifies it (/verify).
CREATE TABLE check_sheet_pdfs (
    inspection_id INTEGER NOT NULL REFERENCES inspections (id),
    lang          TEXT    NOT NULL CHECK (lang IN ('kk', 'ru')),
    sha256        TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    data          BLOB    NOT NULL,
    created_at    TEXT    NOT NULL,
    PRIMARY KEY (inspection_id, lang)
);
CREATE INDEX check_sheet_pdfs_sha256 ON check_sheet_pdfs (sha256);

-- "/verify" sent alone: the next PDF this person sends (before `until`) is checked.
CREATE TABLE verify_waits (
    telegram_id INTEGER PRIMARY KEY,
    until       TEXT    NOT NULL
);

-- Follow-up: a remedy deadline set on a violated item of a draft (ISO date), and after finalization one
-- row per item with a deadline, open until a later finalized sheet finds the requirement complying or a
-- "remedied" record closes it.
ALTER TABLE answers ADD COLUMN remedy_due TEXT;
CREATE TABLE remedies (
    id              INTEGER PRIMARY KEY,
    inspection_id   INTEGER NOT NULL REFERENCES inspections (id),
    subject_id      INTEGER NOT NULL REFERENCES subjects (id),
    inspector_id    INTEGER NOT NULL,
    item            INTEGER NOT NULL,
    due_on          TEXT    NOT NULL,             -- ISO date
    reminded_on     TEXT,                         -- the local date the inspector was reminded (once)
    closed_at       TEXT,
    closed_by       INTEGER,                      -- who recorded it (the inspector of the closing sheet)
    closed_how      TEXT CHECK (closed_how IN ('later_sheet', 'remedied')),
    closing_inspection_id INTEGER REFERENCES inspections (id),
    UNIQUE (inspection_id, item)
);
CREATE INDEX remedies_open ON remedies (subject_id, item) WHERE closed_at IS NULL;
CREATE INDEX remedies_due ON remedies (due_on) WHERE closed_at IS NULL;
