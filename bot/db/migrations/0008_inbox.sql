-- Version 8: the inbox of updates received by polling. An update is stored here before it is confirmed
-- to Telegram (the next getUpdates' offset), handled (several chats at once, one chat in order), then
-- marked done. Rows not done when the bot stopped (a crash, kill -9) are handled again at start; done
-- rows are kept a day so that an update Telegram delivers again is recognised and not handled twice.
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    chat_key    INTEGER,            -- the sender (private chats): its updates run in order; NULL: no sender
    payload     TEXT    NOT NULL,   -- the update as JSON
    received_at TEXT    NOT NULL,
    done_at     TEXT
);
CREATE INDEX inbox_pending ON inbox (update_id) WHERE done_at IS NULL;
CREATE INDEX inbox_done ON inbox (done_at) WHERE done_at IS NOT NULL;
