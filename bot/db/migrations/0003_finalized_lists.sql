-- Version 3: an inspector's finalized sheets, and all finalized sheets by date, found by index.
CREATE INDEX inspections_by_inspector ON inspections (inspector_id, finalized_at DESC, id DESC) WHERE status = 'finalized';
CREATE INDEX inspections_by_date ON inspections (finalized_at) WHERE status = 'finalized';
