-- Version 4: the head of the authorised body (Annex 1 chapter 4 item 11) as a role; a subject's kind of
-- control (Annex 1 item 2 5)) and coordinates; objective records as dated events with a count and the
-- spreadsheet row they came from; findings with the spreadsheet row they came from.
-- Run with foreign keys off (Database.migrate), as SQLite's table-rebuild procedure asks.

CREATE TABLE users_v4 (
    telegram_id   INTEGER PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'head', 'supervisor', 'inspector')),
    language      TEXT NOT NULL DEFAULT 'ru' CHECK (language IN ('kk', 'ru')),
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    display_name  TEXT,
    full_name     TEXT,
    position      TEXT,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT
);
INSERT INTO users_v4 (telegram_id, role, language, active, display_name, full_name, position, created_at, last_seen_at)
SELECT telegram_id, role, language, active, display_name, full_name, position, created_at, last_seen_at FROM users;
DROP TABLE users;
ALTER TABLE users_v4 RENAME TO users;

CREATE TABLE invitations_v4 (
    token       TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'head', 'supervisor', 'inspector')),
    created_by  INTEGER NOT NULL REFERENCES users (telegram_id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_by     INTEGER,
    used_at     TEXT
);
INSERT INTO invitations_v4 (token, role, created_by, created_at, expires_at, used_by, used_at)
SELECT token, role, created_by, created_at, expires_at, used_by, used_at FROM invitations;
DROP TABLE invitations;
ALTER TABLE invitations_v4 RENAME TO invitations;

-- Annex 1 item 2 5): central state bodies, local executive bodies, akims, service providers.
ALTER TABLE subjects ADD COLUMN control_kind TEXT
    CHECK (control_kind IN ('central_body', 'local_executive_body', 'akim', 'provider'));
ALTER TABLE subjects ADD COLUMN lat REAL CHECK (lat BETWEEN -90 AND 90);
ALTER TABLE subjects ADD COLUMN lon REAL CHECK (lon BETWEEN -180 AND 180);

-- The date of the event itself (a complaint, a report), never the day it was typed in.
ALTER TABLE objective_records RENAME COLUMN assessed_on TO occurred_on;
-- Condition 1: the number of services provided; condition 5: the number of checks. NULL for the others.
ALTER TABLE objective_records ADD COLUMN value INTEGER CHECK (value >= 0);
ALTER TABLE objective_records ADD COLUMN import_file TEXT;   -- the spreadsheet a record came from, if any
ALTER TABLE objective_records ADD COLUMN import_row INTEGER; -- and its row (1 = the header row)

ALTER TABLE findings ADD COLUMN import_file TEXT;
ALTER TABLE findings ADD COLUMN import_row INTEGER;
