"""Half-year visit lists and their entries (the deadline reminders sent are in the outbox)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bot.db.clock import utc_now
from bot.db.repository import Repository, literal
from bot.planning import Candidate, LeftOut, ListPeriod
from bot.statuses import VisitListStatus


@dataclass(frozen=True, slots=True)
class ListEntry:
    position: int
    subject_id: int
    bin: str
    name: str
    indicator: str


@dataclass(frozen=True, slots=True)
class LeftOutEntry:
    subject_id: int
    bin: str
    name: str
    reason: str  # a LeftOutReason
    detail: str | None  # the visit's act date (ISO) for visited_this_year
    indicator: str


@dataclass(frozen=True, slots=True)
class VisitList:
    id: int
    year: int
    half: int
    deadline: date
    status: VisitListStatus
    approved_by: int | None
    approved_at: str | None
    entries: tuple[ListEntry, ...]
    approved_on: date | None = None  # the local date of the approval
    late: bool = False  # approved after the deadline (item 11)
    left_out: tuple[LeftOutEntry, ...] = ()

    @property
    def approved(self) -> bool:
        return self.status is VisitListStatus.APPROVED


class VisitListRepository(Repository):
    __slots__ = ()

    def get_list(self, year: int, half: int) -> VisitList | None:
        row = self._one("SELECT * FROM visit_lists WHERE year = ? AND half = ?", (year, half))
        if row is None:
            return None
        entries = self._all(
            "SELECT e.position, e.subject_id, s.bin, s.name, e.indicator FROM visit_list_entries e"
            " JOIN subjects s ON s.id = e.subject_id WHERE e.list_id = ? ORDER BY e.position",
            (row["id"],),
        )
        left = self._all(
            "SELECT o.subject_id, s.bin, s.name, o.reason, o.detail, o.indicator FROM visit_list_left_out o"
            " JOIN subjects s ON s.id = o.subject_id WHERE o.list_id = ?"
            " ORDER BY CAST(o.indicator AS REAL) DESC, s.name",
            (row["id"],),
        )
        return VisitList(
            row["id"],
            row["year"],
            row["half"],
            date.fromisoformat(row["deadline"]),
            VisitListStatus(row["status"]),
            row["approved_by"],
            row["approved_at"],
            tuple(ListEntry(e["position"], e["subject_id"], e["bin"], e["name"], e["indicator"]) for e in entries),
            date.fromisoformat(row["approved_on"]) if row["approved_on"] else None,
            bool(row["late"]),
            tuple(
                LeftOutEntry(o["subject_id"], o["bin"], o["name"], o["reason"], o["detail"], o["indicator"])
                for o in left
            ),
        )

    def save_draft(
        self, period: ListPeriod, ranked: list[Candidate], user_id: int | None, left_out: list[LeftOut] = ()
    ) -> None:
        """Create or refresh the draft list of a period with the ranked subjects (an approved list stays)."""
        self._c.execute(
            "INSERT INTO visit_lists (year, half, deadline, status, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (year, half) DO NOTHING",
            (period.year, period.half, period.deadline.isoformat(), VisitListStatus.DRAFT, user_id, utc_now()),
        )
        row = self._one("SELECT id, status FROM visit_lists WHERE year = ? AND half = ?", (period.year, period.half))
        if row["status"] != VisitListStatus.DRAFT:
            return
        self._c.execute("DELETE FROM visit_list_entries WHERE list_id = ?", (row["id"],))
        self._c.executemany(
            "INSERT INTO visit_list_entries (list_id, subject_id, position, indicator) VALUES (?, ?, ?, ?)",
            [(row["id"], c.subject_id, position, str(c.indicator)) for position, c in enumerate(ranked, start=1)],
        )
        self._c.execute("DELETE FROM visit_list_left_out WHERE list_id = ?", (row["id"],))
        self._c.executemany(
            "INSERT INTO visit_list_left_out (list_id, subject_id, reason, detail, indicator) VALUES (?, ?, ?, ?, ?)",
            [
                (
                    row["id"],
                    o.candidate.subject_id,
                    o.reason.value,
                    o.visited_on.isoformat() if o.visited_on else None,
                    str(o.candidate.indicator),
                )
                for o in left_out
            ],
        )

    def approve(self, list_id: int, user_id: int, approved_on: date, late: bool) -> bool:
        cursor = self._c.execute(
            "UPDATE visit_lists SET status = ?, approved_by = ?, approved_at = ?, approved_on = ?, late = ?"
            " WHERE id = ? AND status = " + literal(VisitListStatus.DRAFT),
            (VisitListStatus.APPROVED, user_id, utc_now(), approved_on.isoformat(), int(late), list_id),
        )
        return cursor.rowcount == 1

    def subject_names(self, ids: Iterable[int] | None = None) -> dict[int, tuple[str, str]]:
        """Every subject's IIN/BIN and name (or those of ``ids``, passed as one JSON array), by id."""
        if ids is None:
            rows = self._all("SELECT id, bin, name FROM subjects")
        else:
            rows = self._all(
                "SELECT id, bin, name FROM subjects WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(list(ids)),),
            )
        return {r["id"]: (r["bin"], r["name"]) for r in rows}
