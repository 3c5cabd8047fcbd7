-- Version 9: every subject's finalized check sheets with their act dates, from the index alone. Ranking every
-- subject (bot/db/risk_sources.py: the latest sheet in the assessment period, the visits of a list's year)
-- reads these four columns of each finalized sheet; without them in an index it reads each sheet's whole row.
-- The act date comes second so that the card's history keeps inspections_subject_history.
CREATE INDEX inspections_subject_acts ON inspections (subject_id, act_date, finalized_at, id) WHERE status = 'finalized';
