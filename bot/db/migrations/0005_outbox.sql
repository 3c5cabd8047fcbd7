-- Version 5: what the bot sends on its own goes through one outbox (a row per recipient and occasion, a
-- unique key, pending -> sending -> sent / failed / unreachable; 'unknown' = a crash between send and mark,
-- reported and never repeated); people who blocked the bot; errors for the admins; muted reminders; the
-- menu each chat was given; the name search of the inline look-up.

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,        -- recipient and occasion: a second enqueue of it is ignored
    chat_id     INTEGER NOT NULL,
    kind        TEXT NOT NULL,               -- 'reminder', 'nudge', 'error', ...
    text        TEXT NOT NULL,               -- HTML, rendered in the recipient's language when enqueued
    markup      TEXT,                        -- reply_markup as JSON
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unknown', 'unreachable')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  TEXT NOT NULL,               -- UTC ISO time: not sent before (a 429 or a network error)
    created_at  TEXT NOT NULL,
    done_at     TEXT,
    message_id  INTEGER,
    error       TEXT
);
CREATE INDEX outbox_due ON outbox (not_before, id) WHERE status = 'pending';
CREATE INDEX outbox_by_status ON outbox (status, done_at);

CREATE TABLE unreachable_chats (
    chat_id  INTEGER PRIMARY KEY,
    since    TEXT NOT NULL,
    reason   TEXT NOT NULL
);

CREATE TABLE error_log (
    id           INTEGER PRIMARY KEY,
    occurred_at  TEXT NOT NULL,
    kind         TEXT NOT NULL,     -- exception class and the place it came from; never its message
    source       TEXT NOT NULL      -- the update type ('message', 'callback_query', ...) or 'job:<id>'
);
CREATE INDEX error_log_by_time ON error_log (occurred_at);

CREATE TABLE reminder_mutes (
    telegram_id  INTEGER PRIMARY KEY REFERENCES users (telegram_id),
    muted_at     TEXT NOT NULL
);

CREATE TABLE chat_menus (
    chat_id    INTEGER PRIMARY KEY,
    signature  TEXT NOT NULL,       -- role and language of the menu last set for the chat ('' = removed)
    set_at     TEXT NOT NULL
);

-- The inline look-up by a part of the name: trigram full-text index kept in step with subjects.
-- (The BIN prefix uses the UNIQUE index on subjects.bin through a range.)
CREATE VIRTUAL TABLE subjects_name_search USING fts5(name, content='subjects', content_rowid='id',
                                                     tokenize='trigram');
INSERT INTO subjects_name_search (rowid, name) SELECT id, name FROM subjects;
CREATE TRIGGER subjects_name_search_insert AFTER INSERT ON subjects BEGIN
    INSERT INTO subjects_name_search (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER subjects_name_search_delete AFTER DELETE ON subjects BEGIN
    INSERT INTO subjects_name_search (subjects_name_search, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER subjects_name_search_update AFTER UPDATE OF name ON subjects BEGIN
    INSERT INTO subjects_name_search (subjects_name_search, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO subjects_name_search (rowid, name) VALUES (new.id, new.name);
END;

-- Reminders sent before the outbox existed stay sent: their keys are the outbox's keys.
INSERT OR IGNORE INTO outbox (key, chat_id, kind, text, status, not_before, created_at, done_at)
SELECT kind || ':' || sent_to, sent_to, 'reminder', '', 'sent', sent_at, sent_at, sent_at FROM reminder_log;
