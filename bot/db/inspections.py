"""Inspections (the check sheet being filled or finalized), their answers, answer changes and evidence.

The inspection service composes these methods into one unit of work per update (bot/db/repos.py).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.catalogue import Severity
from bot.db.clock import utc_now
from bot.db.repository import Repository, literal
from bot.scoring import Answer, Evaluation
from bot.statuses import InspectionStatus

# The header fields of the check sheet (Annex 2), in the order they are asked. Column names are code
# constants, never user input.
HEADER_FIELDS = (
    "subject_bin",
    "subject_name",
    "subject_address",
    "state_body",
    "appointing_body",
    "act_number",
    "act_date",
    "inspector_name",
    "inspector_position",
)
# Header steps outside the nine of the flow: the other officials (from the review's header menu) and the
# reason for a second visit in a year (asked after the act date when the subject was visited that year).
STEP_OTHER_OFFICIALS = "other_officials"
STEP_REPEAT_REASON = "repeat_visit_reason"
EXTRA_FIELDS = (STEP_OTHER_OFFICIALS, STEP_REPEAT_REASON)
# After the header: the visit's location, shared from the phone or skipped (issue 14); never blocks.
STEP_LOCATION = "location"
STEP_ITEM = "item"
# From the review: remedy deadlines of the violated items, typed as "item dd.mm.yyyy" (issue 14 item 4).
STEP_DEADLINES = "deadlines"
STEP_REVIEW = "review"


@dataclass(frozen=True, slots=True)
class VisitLocation:
    """Where the inspector's phone was: shared by the inspector, stored with the server time it arrived."""

    lat: float
    lon: float
    accuracy: float | None  # metres (Telegram's horizontal_accuracy), when the phone gave it
    received_at: str  # ISO UTC, the server's clock


@dataclass(frozen=True, slots=True)
class Inspection:
    id: int
    inspector_id: int
    subject_id: int | None
    status: InspectionStatus
    catalogue_version: str
    language: str
    step: str
    current_item: int | None
    back_to_review: bool
    pending_evidence: int | None
    message_id: int | None
    last_input_id: int
    header: dict[str, str | None]
    created_at: str
    finalized_at: str | None
    indicator: str | None
    risk_class: str | None
    result: dict[str, Any] | None
    location: VisitLocation | None = None

    @property
    def is_draft(self) -> bool:
        return self.status is InspectionStatus.DRAFT


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    item: int
    criterion: int
    severity: str  # as the catalogue said when the answer was given
    answer: str
    comment: str | None
    answered_at: str
    remedy_due: str | None = None  # ISO date: the deadline to remedy a violation (issue 14 item 4)

    @property
    def evaluation(self) -> Evaluation:
        """The answer as scoring takes it, with the severity stored with it (an amendment never rewrites it)."""
        return Evaluation(self.criterion, Severity(self.severity), Answer(self.answer))


@dataclass(frozen=True, slots=True)
class Evidence:
    item: int
    kind: str  # 'photo' or 'document'
    file_id: str
    file_unique_id: str
    file_size: int | None
    file_name: str | None
    mime_type: str | None
    media_group_id: str | None
    received_at: str
    sha256: str | None = None  # of the bytes downloaded when the file arrived; None when that failed


@dataclass(frozen=True, slots=True)
class AnswerChange:
    item: int
    changed_by: int
    changed_at: str
    from_answer: str | None
    to_answer: str


# The columns of a StoredAnswer, in the order of its fields (read as plain tuples).
_ANSWER_COLUMNS = "item, criterion, severity, answer, comment, answered_at, remedy_due"


# The columns of an Inspection, in the order _inspection unpacks them. Read as plain tuples: a tap converts two
# or three of these rows, and a name lookup in a ``sqlite3.Row`` per column cost more than the rest of it.
_HEAD = (
    "id",
    "inspector_id",
    "subject_id",
    "status",
    "catalogue_version",
    "language",
    "step",
    "current_item",
    "back_to_review",
    "pending_evidence",
    "message_id",
    "last_input_id",
)
_HEADER_COLUMNS = (*HEADER_FIELDS, *EXTRA_FIELDS)
_TAIL = (
    "created_at",
    "finalized_at",
    "indicator",
    "risk_class",
    "result_json",
    "location_lat",
    "location_lon",
    "location_accuracy",
    "location_at",
)
_INSPECTION_COLUMNS = ", ".join((*_HEAD, *_HEADER_COLUMNS, *_TAIL))
_HEADER_AT = slice(len(_HEAD), len(_HEAD) + len(_HEADER_COLUMNS))
_TAIL_AT = len(_HEAD) + len(_HEADER_COLUMNS)


def _inspection(row: tuple[Any, ...]) -> Inspection:
    """A row of ``SELECT {_INSPECTION_COLUMNS}`` (or ``RETURNING`` them), as a plain tuple."""
    (id_, inspector_id, subject_id, status, version, language, step, item, back, pending, message_id, last_input) = row[
        : len(_HEAD)
    ]
    created_at, finalized_at, indicator, risk_class, result_json, lat, lon, accuracy, located_at = row[_TAIL_AT:]
    return Inspection(
        id=id_,
        inspector_id=inspector_id,
        subject_id=subject_id,
        status=InspectionStatus(status),
        catalogue_version=version,
        language=language,
        step=step,
        current_item=item,
        back_to_review=bool(back),
        pending_evidence=pending,
        message_id=message_id,
        last_input_id=last_input,
        header=dict(zip(_HEADER_COLUMNS, row[_HEADER_AT], strict=True)),
        created_at=created_at,
        finalized_at=finalized_at,
        indicator=indicator,
        risk_class=risk_class,
        result=json.loads(result_json) if result_json else None,
        location=VisitLocation(lat, lon, accuracy, located_at) if located_at else None,
    )


def _evidence(row: sqlite3.Row) -> Evidence:
    return Evidence(
        row["item"],
        row["kind"],
        row["file_id"],
        row["file_unique_id"],
        row["file_size"],
        row["file_name"],
        row["mime_type"],
        row["media_group_id"],
        row["received_at"],
        row["sha256"],
    )


@dataclass(frozen=True, slots=True)
class FinalizedRow:
    """A finalized check sheet as a line of a list or an export."""

    id: int
    finalized_at: str
    inspector_id: int
    inspector_name: str | None
    subject_bin: str
    subject_name: str
    act_number: str | None
    act_date: str | None
    indicator: str
    risk_class: str
    gross_rule_fired: bool
    catalogue_version: str


_FINALIZED = (
    "SELECT id, finalized_at, inspector_id, inspector_name, subject_bin, subject_name, act_number, act_date,"
    " indicator, risk_class, gross_rule_fired, catalogue_version FROM inspections WHERE status = "
    + literal(InspectionStatus.FINALIZED)
)
DRAFT, FINALIZED = literal(InspectionStatus.DRAFT), literal(InspectionStatus.FINALIZED)  # see literal()


def _finalized(r: sqlite3.Row) -> FinalizedRow:
    return FinalizedRow(
        r["id"],
        r["finalized_at"],
        r["inspector_id"],
        r["inspector_name"],
        r["subject_bin"],
        r["subject_name"],
        r["act_number"],
        r["act_date"],
        r["indicator"],
        r["risk_class"],
        bool(r["gross_rule_fired"]),
        r["catalogue_version"],
    )


@dataclass(frozen=True, slots=True)
class SheetDate:
    """A finalized check sheet of a subject: its act date (the visit's local date) and finishing order."""

    inspection_id: int
    subject_id: int
    act_date: date | None
    finalized_at: str


def _act_date(stored: str | None) -> date | None:
    """The act date as stored (dd.mm.yyyy, validated on entry) as a date (faster than strptime)."""
    if not stored:
        return None
    day, month, year = stored.split(".")
    return date(int(year), int(month), int(day))


_DRAFT_COLUMNS = (
    frozenset(HEADER_FIELDS)
    | frozenset(EXTRA_FIELDS)
    | {
        "step",
        "current_item",
        "back_to_review",
        "pending_evidence",
        "message_id",
        "last_input_id",
        "subject_id",
        "language",
    }
)


class InspectionRepository(Repository):
    __slots__ = ()

    def get(self, inspection_id: int) -> Inspection | None:
        row = self._tuple(f"SELECT {_INSPECTION_COLUMNS} FROM inspections WHERE id = ?", (inspection_id,))
        return _inspection(row) if row else None

    def draft_of(self, inspector_id: int) -> Inspection | None:
        row = self._tuple(
            f"SELECT {_INSPECTION_COLUMNS} FROM inspections WHERE inspector_id = ? AND status = {DRAFT}",
            (inspector_id,),
        )
        return _inspection(row) if row else None

    def answers(self, inspection_id: int) -> dict[int, StoredAnswer]:
        """Every answer of a sheet, by item. Read as plain tuples in the order of StoredAnswer's fields: a
        screen of the check sheet reads up to 19 of them at every tap."""
        rows = self._tuples(
            f"SELECT {_ANSWER_COLUMNS} FROM answers WHERE inspection_id = ? ORDER BY item",
            (inspection_id,),
        )
        return {row[0]: StoredAnswer(*row) for row in rows}

    def evidence(self, inspection_id: int, item: int | None = None) -> list[Evidence]:
        sql = "SELECT * FROM evidence WHERE inspection_id = ?"
        params: tuple[Any, ...] = (inspection_id,)
        if item is not None:
            sql += " AND item = ?"
            params += (item,)
        return [_evidence(r) for r in self._c.execute(sql + " ORDER BY item, id", params).fetchall()]

    def count_evidence(self, inspection_id: int, item: int) -> int:
        return self._c.execute(
            "SELECT count(*) FROM evidence WHERE inspection_id = ? AND item = ?", (inspection_id, item)
        ).fetchone()[0]

    def media_group_in(self, inspection_id: int, media_group_id: str) -> bool:
        return (
            self._c.execute(
                "SELECT 1 FROM evidence WHERE inspection_id = ? AND media_group_id = ? LIMIT 1",
                (inspection_id, media_group_id),
            ).fetchone()
            is not None
        )

    def changes(self, inspection_id: int) -> list[AnswerChange]:
        rows = self._c.execute(
            "SELECT item, changed_by, changed_at, from_answer, to_answer FROM answer_changes"
            " WHERE inspection_id = ? ORDER BY id",
            (inspection_id,),
        ).fetchall()
        return [
            AnswerChange(r["item"], r["changed_by"], r["changed_at"], r["from_answer"], r["to_answer"]) for r in rows
        ]

    def act_dates_of_subject(self, bin_: str, exclude: int) -> list[str]:
        """The act dates (dd.mm.yyyy) of a subject's finalized check sheets, by its IIN/BIN, but one."""
        rows = self._c.execute(
            "SELECT i.act_date FROM subjects s JOIN inspections i ON i.subject_id = s.id"
            f" WHERE s.bin = ? AND i.status = {FINALIZED} AND i.id != ? AND i.act_date IS NOT NULL",
            (bin_, exclude),
        )
        return [r["act_date"] for r in rows.fetchall()]

    def count_by_status(self) -> dict[InspectionStatus, int]:
        rows = self._c.execute("SELECT status, count(*) AS n FROM inspections GROUP BY status").fetchall()
        counts = dict.fromkeys(InspectionStatus, 0)
        counts.update({InspectionStatus(r["status"]): r["n"] for r in rows})
        return counts

    def create_draft(self, inspector_id: int, catalogue_version: str, language: str, step: str) -> int:
        now = utc_now()
        cursor = self._c.execute(
            "INSERT INTO inspections (inspector_id, status, catalogue_version, language, step, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (inspector_id, InspectionStatus.DRAFT, catalogue_version, language, step, now, now),
        )
        return cursor.lastrowid

    def update_draft(self, inspection_id: int, **changes: Any) -> Inspection | None:
        """Change a draft's state or header columns; only known columns are accepted. Returns the draft as
        the change left it (``RETURNING``: the screen after a change needs no second read), None when
        ``inspection_id`` is not a draft."""
        unknown = set(changes) - _DRAFT_COLUMNS
        if unknown:
            raise ValueError(f"not a draft column: {sorted(unknown)}")
        assignments = ", ".join(f"{column} = ?" for column in changes)
        row = self._tuple(
            f"UPDATE inspections SET {assignments}, updated_at = ? WHERE id = ? AND status = {DRAFT}"
            f" RETURNING {_INSPECTION_COLUMNS}",
            (*changes.values(), utc_now(), inspection_id),
        )
        return _inspection(row) if row else None

    def set_screen_message(self, inspection_id: int, message_id: int | None) -> None:
        """Remember the message that shows a draft's current screen."""
        self._c.execute(
            f"UPDATE inspections SET message_id = ?, updated_at = ? WHERE id = ? AND status = {DRAFT}",
            (message_id, utc_now(), inspection_id),
        )

    def put_answer(
        self,
        inspection_id: int,
        item: int,
        criterion: int,
        severity: str,
        answer: str,
        user_id: int,
        previous: str | None,
        *,
        keep_comment: bool = True,
    ) -> StoredAnswer:
        """Store an answer and, when it differs from the previous one, the change (who, when, from, to).
        ``keep_comment=False`` clears the comment of an answer given before. Returns the answer as stored."""
        now = utc_now()
        row = self._tuple(
            "INSERT INTO answers (inspection_id, item, criterion, severity, answer, answered_by, answered_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (inspection_id, item) DO UPDATE SET answer = excluded.answer,"
            " answered_by = excluded.answered_by, answered_at = excluded.answered_at,"
            " comment = CASE WHEN ? THEN answers.comment END"
            f" RETURNING {_ANSWER_COLUMNS}",
            (inspection_id, item, criterion, severity, answer, user_id, now, keep_comment),
        )
        if previous != answer:
            self._c.execute(
                "INSERT INTO answer_changes (inspection_id, item, changed_by, changed_at, from_answer, to_answer)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (inspection_id, item, user_id, now, previous, answer),
            )
        return StoredAnswer(*row)

    def set_remedy_due(self, inspection_id: int, item: int, due: str | None) -> None:
        self._c.execute(
            "UPDATE answers SET remedy_due = ? WHERE inspection_id = ? AND item = ?", (due, inspection_id, item)
        )

    def set_comment(self, inspection_id: int, item: int, comment: str | None) -> None:
        self._c.execute(
            "UPDATE answers SET comment = ? WHERE inspection_id = ? AND item = ?", (comment, inspection_id, item)
        )

    def add_evidence(self, inspection_id: int, item: int, ev: Evidence) -> bool:
        """Store one evidence file; False when this file was already stored for the item (a redelivery)."""
        cursor = self._c.execute(
            "INSERT OR IGNORE INTO evidence (inspection_id, item, kind, file_id, file_unique_id, file_size,"
            " file_name, mime_type, media_group_id, received_at, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                inspection_id,
                item,
                ev.kind,
                ev.file_id,
                ev.file_unique_id,
                ev.file_size,
                ev.file_name,
                ev.mime_type,
                ev.media_group_id,
                ev.received_at,
                ev.sha256,
            ),
        )
        return cursor.rowcount == 1

    def finalize(
        self,
        inspection_id: int,
        subject_id: int,
        indicator: str,
        risk_class: str,
        gross_rule_fired: bool,
        result: dict[str, Any],
    ) -> None:
        now = utc_now()
        self._c.execute(
            "UPDATE inspections SET status = ?, subject_id = ?, step = 'done', finalized_at = ?,"
            " updated_at = ?, indicator = ?, risk_class = ?, gross_rule_fired = ?, result_json = ?"
            f" WHERE id = ? AND status = {DRAFT}",
            (
                InspectionStatus.FINALIZED,
                subject_id,
                now,
                now,
                indicator,
                risk_class,
                int(gross_rule_fired),
                json.dumps(result, ensure_ascii=False),
                inspection_id,
            ),
        )

    def set_location(self, inspection_id: int, lat: float, lon: float, accuracy: float | None) -> None:
        """The draft's visit location (a later one replaces it), with the server time of receipt."""
        now = utc_now()
        self._c.execute(
            "UPDATE inspections SET location_lat = ?, location_lon = ?, location_accuracy = ?, location_at = ?,"
            f" updated_at = ? WHERE id = ? AND status = {DRAFT}",
            (lat, lon, accuracy, now, now, inspection_id),
        )

    def cancel(self, inspection_id: int) -> None:
        self._c.execute(
            f"UPDATE inspections SET status = ?, updated_at = ? WHERE id = ? AND status = {DRAFT}",
            (InspectionStatus.CANCELLED, utc_now(), inspection_id),
        )

    def finalized_by(self, inspector_id: int, limit: int) -> list[FinalizedRow]:
        rows = self._c.execute(
            _FINALIZED + " AND inspector_id = ? ORDER BY finalized_at DESC, id DESC LIMIT ?", (inspector_id, limit)
        )
        return [_finalized(r) for r in rows.fetchall()]

    def finalized_sheets(self, subject_id: int | None = None) -> dict[int, list[SheetDate]]:
        """Every finalized check sheet (of one subject, or of all) with its act date, by subject."""
        where, params = (" AND subject_id = ?", (subject_id,)) if subject_id is not None else ("", ())
        rows = self._c.execute(
            f"SELECT id, subject_id, act_date, finalized_at FROM inspections WHERE status = {FINALIZED}"
            " AND subject_id IS NOT NULL" + where,
            params,
        )
        result: dict[int, list[SheetDate]] = {}
        for r in rows.fetchall():
            act = _act_date(r["act_date"])
            result.setdefault(r["subject_id"], []).append(SheetDate(r["id"], r["subject_id"], act, r["finalized_at"]))
        return result

    def answers_of(self, inspection_ids: list[int]) -> dict[int, dict[int, StoredAnswer]]:
        """The stored answers of several inspections, by inspection and item (a query per 500)."""
        result: dict[int, dict[int, StoredAnswer]] = {}
        for start in range(0, len(inspection_ids), 500):  # within SQLite's limit of bound parameters
            chunk = tuple(inspection_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._c.execute(
                "SELECT inspection_id, item, criterion, severity, answer, comment, answered_at FROM answers"
                f" WHERE inspection_id IN ({marks})",
                chunk,
            )
            for r in rows.fetchall():
                result.setdefault(r["inspection_id"], {})[r["item"]] = StoredAnswer(
                    r["item"], r["criterion"], r["severity"], r["answer"], r["comment"], r["answered_at"]
                )
        return result
