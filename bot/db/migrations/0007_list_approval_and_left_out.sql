-- Version 7. Item 11: the list is approved by the head of the authorised body (or the person acting for them); an
-- approval after the deadline is still an approval, marked late with its local date.
ALTER TABLE visit_lists ADD COLUMN approved_on TEXT;          -- local date of the approval (ISO)
ALTER TABLE visit_lists ADD COLUMN late INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1));

-- Item 10: the high-indicator subjects a list leaves out, and why (frozen with the list when approved).
CREATE TABLE visit_list_left_out (
    list_id     INTEGER NOT NULL REFERENCES visit_lists (id) ON DELETE CASCADE,
    subject_id  INTEGER NOT NULL REFERENCES subjects (id),
    reason      TEXT NOT NULL CHECK (reason IN ('visited_this_year', 'on_first_half_list', 'no_objective_condition')),
    detail      TEXT,      -- the visit's act date (ISO) for 'visited_this_year'
    indicator   TEXT NOT NULL,
    PRIMARY KEY (list_id, subject_id)
);

-- Starting a check sheet for a subject already visited in the act's year is allowed, with a reason.
ALTER TABLE inspections ADD COLUMN repeat_visit_reason TEXT;

-- Annex 2: "Лауазымды адам (-дар)" - the officials of the visit besides the inspector, one per line as
-- "name; position" (the inspector is inspector_name / inspector_position).
ALTER TABLE inspections ADD COLUMN other_officials TEXT;
