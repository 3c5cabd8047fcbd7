-- Version 1: the whole schema of the first release. Times are ISO 8601 UTC strings.

CREATE TABLE users (
    telegram_id   INTEGER PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'inspector')),
    language      TEXT NOT NULL DEFAULT 'ru' CHECK (language IN ('kk', 'ru')),
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    display_name  TEXT,
    full_name     TEXT,      -- the inspector's name for the check sheet, remembered for next time
    position      TEXT,      -- the inspector's position, likewise
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT
);

CREATE TABLE invitations (
    token       TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'inspector')),
    created_by  INTEGER NOT NULL REFERENCES users (telegram_id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_by     INTEGER,
    used_at     TEXT
);

CREATE TABLE subjects (
    id          INTEGER PRIMARY KEY,
    bin         TEXT NOT NULL UNIQUE CHECK (length(bin) = 12),   -- IIN or BIN
    name        TEXT NOT NULL,
    kind        TEXT,       -- 'BIN' (legal entity) or 'IIN' (individual)
    region      TEXT,
    address     TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE inspections (
    id                  INTEGER PRIMARY KEY,
    inspector_id        INTEGER NOT NULL REFERENCES users (telegram_id),
    subject_id          INTEGER REFERENCES subjects (id),
    status              TEXT NOT NULL CHECK (status IN ('draft', 'finalized', 'cancelled')),
    catalogue_version   TEXT NOT NULL,
    language            TEXT NOT NULL CHECK (language IN ('kk', 'ru')),
    step                TEXT NOT NULL,            -- the header field being asked, 'item' or 'review'
    current_item        INTEGER,                  -- 1..19 while step = 'item'
    back_to_review      INTEGER NOT NULL DEFAULT 0,
    pending_evidence    INTEGER,                  -- the violated item whose comment/evidence is being collected
    message_id          INTEGER,                  -- the bot message edited in place
    last_input_id       INTEGER NOT NULL DEFAULT 0,  -- the newest user message applied (redeliveries are ignored)
    subject_bin         TEXT,
    subject_name        TEXT,
    subject_address     TEXT,
    state_body          TEXT,
    appointing_body     TEXT,
    act_number          TEXT,
    act_date            TEXT,
    inspector_name      TEXT,
    inspector_position  TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    finalized_at        TEXT,
    indicator           TEXT,                     -- SP as a decimal string, set once at finalization
    risk_class          TEXT CHECK (risk_class IN ('high', 'not_high')),
    gross_rule_fired    INTEGER,
    result_json         TEXT                      -- the full result at finalization
);
CREATE UNIQUE INDEX inspections_one_draft_per_inspector ON inspections (inspector_id) WHERE status = 'draft';
CREATE INDEX inspections_subject_history ON inspections (subject_id, finalized_at DESC, id DESC) WHERE status = 'finalized';

-- A finalized inspection never changes again.
CREATE TRIGGER inspections_finalized_are_frozen BEFORE UPDATE ON inspections
WHEN OLD.status = 'finalized'
BEGIN
    SELECT RAISE(ABORT, 'a finalized inspection cannot change');
END;

CREATE TABLE answers (
    inspection_id  INTEGER NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    item           INTEGER NOT NULL CHECK (item BETWEEN 1 AND 19),
    criterion      INTEGER NOT NULL,
    severity       TEXT NOT NULL CHECK (severity IN ('gross', 'significant', 'minor')),  -- as in the catalogue used
    answer         TEXT NOT NULL CHECK (answer IN ('complies', 'violated', 'not_applicable')),
    comment        TEXT,
    answered_by    INTEGER NOT NULL,
    answered_at    TEXT NOT NULL,
    PRIMARY KEY (inspection_id, item)
) WITHOUT ROWID;

CREATE TRIGGER answers_of_finalized_are_frozen BEFORE UPDATE ON answers
WHEN (SELECT status FROM inspections WHERE id = OLD.inspection_id) = 'finalized'
BEGIN
    SELECT RAISE(ABORT, 'a finalized inspection cannot change');
END;

CREATE TABLE answer_changes (
    id             INTEGER PRIMARY KEY,
    inspection_id  INTEGER NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    item           INTEGER NOT NULL,
    changed_by     INTEGER NOT NULL,
    changed_at     TEXT NOT NULL,
    from_answer    TEXT,
    to_answer      TEXT NOT NULL
);
CREATE INDEX answer_changes_inspection ON answer_changes (inspection_id, item);

CREATE TABLE evidence (
    id              INTEGER PRIMARY KEY,
    inspection_id   INTEGER NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    item            INTEGER NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('photo', 'document')),
    file_id         TEXT NOT NULL,
    file_unique_id  TEXT NOT NULL,
    file_size       INTEGER,
    file_name       TEXT,
    mime_type       TEXT,
    media_group_id  TEXT,
    received_at     TEXT NOT NULL,
    UNIQUE (inspection_id, item, file_unique_id)
);

CREATE TABLE objective_records (
    id           INTEGER PRIMARY KEY,
    subject_id   INTEGER NOT NULL REFERENCES subjects (id),
    condition    INTEGER NOT NULL CHECK (condition BETWEEN 1 AND 6),
    met          INTEGER NOT NULL CHECK (met IN (0, 1)),
    assessed_on  TEXT NOT NULL,
    source_note  TEXT,
    recorded_by  INTEGER,
    recorded_at  TEXT NOT NULL
);
CREATE INDEX objective_records_subject ON objective_records (subject_id, assessed_on DESC);

-- Findings of criteria 20-35 from complaints, reporting, web and media analysis, public monitoring.
CREATE TABLE findings (
    id           INTEGER PRIMARY KEY,
    subject_id   INTEGER NOT NULL REFERENCES subjects (id),
    criterion    INTEGER NOT NULL CHECK (criterion BETWEEN 20 AND 35),
    severity     TEXT NOT NULL CHECK (severity IN ('gross', 'significant', 'minor')),
    answer       TEXT NOT NULL CHECK (answer IN ('complies', 'violated', 'not_applicable')),
    found_on     TEXT NOT NULL,
    source_note  TEXT,
    recorded_by  INTEGER,
    recorded_at  TEXT NOT NULL
);
CREATE INDEX findings_subject ON findings (subject_id, found_on DESC);

CREATE TABLE visit_lists (
    id           INTEGER PRIMARY KEY,
    year         INTEGER NOT NULL,
    half         INTEGER NOT NULL CHECK (half IN (1, 2)),
    deadline     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'approved')),
    created_by   INTEGER,
    created_at   TEXT NOT NULL,
    approved_by  INTEGER,
    approved_at  TEXT,
    UNIQUE (year, half)
);

CREATE TABLE visit_list_entries (
    list_id     INTEGER NOT NULL REFERENCES visit_lists (id) ON DELETE CASCADE,
    subject_id  INTEGER NOT NULL REFERENCES subjects (id),
    position    INTEGER NOT NULL,
    indicator   TEXT NOT NULL,
    PRIMARY KEY (list_id, subject_id)
);

CREATE TABLE reminder_log (
    id        INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL,
    deadline  TEXT NOT NULL,
    sent_to   INTEGER NOT NULL,
    sent_at   TEXT NOT NULL,
    UNIQUE (kind, deadline, sent_to)
);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor_id     INTEGER,
    action       TEXT NOT NULL,
    object_type  TEXT,
    object_id    TEXT,
    details      TEXT    -- JSON
);
CREATE INDEX audit_log_at ON audit_log (at);
