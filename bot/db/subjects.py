"""Controlled subjects and the look-up by IIN/BIN with the latest result and history."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.db.clock import utc_now
from bot.db.proof import ProofRepository
from bot.db.repository import Repository, literal
from bot.statuses import InspectionStatus

# The two queries of a subject's card.
SUBJECT_BY_BIN = "SELECT * FROM subjects WHERE bin = ?"
SUBJECT_HISTORY = (
    "SELECT id, finalized_at, act_number, act_date, indicator, risk_class, gross_rule_fired"
    " FROM inspections WHERE subject_id = ? AND status = "
    + literal(InspectionStatus.FINALIZED)
    + " ORDER BY finalized_at DESC, id DESC LIMIT ?"
)


@dataclass(frozen=True, slots=True)
class Subject:
    id: int
    bin: str
    name: str
    kind: str | None
    region: str | None
    address: str | None
    lat: float | None = None  # the registry's coordinates (subjects import), when it has them
    lon: float | None = None

    @property
    def point(self) -> tuple[float, float] | None:
        return (self.lat, self.lon) if self.lat is not None and self.lon is not None else None


@dataclass(frozen=True, slots=True)
class PastInspection:
    id: int
    finalized_at: str
    act_number: str | None
    act_date: str | None
    indicator: str
    risk_class: str
    gross_rule_fired: bool
    pdfs: tuple[tuple[str, str], ...] = ()  # (language, SHA-256) of each PDF of the sheet stored so far


@dataclass(frozen=True, slots=True)
class SubjectCard:
    """What staff want in seconds from a BIN: the subject, its latest result and its history."""

    subject: Subject
    history: tuple[PastInspection, ...]  # newest first

    @property
    def latest(self) -> PastInspection | None:
        return self.history[0] if self.history else None


def _subject(row: sqlite3.Row) -> Subject:
    return Subject(
        row["id"], row["bin"], row["name"], row["kind"], row["region"], row["address"], row["lat"], row["lon"]
    )


class SubjectRepository(Repository):
    __slots__ = ()

    def by_bin(self, bin_: str) -> Subject | None:
        row = self._c.execute(SUBJECT_BY_BIN, (bin_,)).fetchone()
        return _subject(row) if row else None

    def card(self, bin_: str, history_limit: int = 10) -> SubjectCard | None:
        """The subject with its finalized inspections, newest first (two indexed queries, and the PDFs')."""
        subject = self.by_bin(bin_)
        if subject is None:
            return None
        rows = self._all(SUBJECT_HISTORY, (subject.id, history_limit))
        hashes = ProofRepository(self._c).pdf_hashes([r["id"] for r in rows])
        history = tuple(
            PastInspection(
                r["id"],
                r["finalized_at"],
                r["act_number"],
                r["act_date"],
                r["indicator"],
                r["risk_class"],
                bool(r["gross_rule_fired"]),
                tuple(hashes.get(r["id"], {}).items()),
            )
            for r in rows
        )
        return SubjectCard(subject, history)

    def search(self, query: str, limit: int = 10) -> list[Subject]:
        """Subjects by a BIN prefix (4 digits or more: a range on the unique index) or by a part of the name
        (3 characters or more: the trigram index of migration 5, case-insensitive); best first."""
        query = query.strip()
        digits = query.replace(" ", "")
        if digits.isdigit():
            if len(digits) < 4:
                return []
            upper = digits[:-1] + chr(ord(digits[-1]) + 1)
            rows = self._all(
                "SELECT * FROM subjects WHERE bin >= ? AND bin < ? ORDER BY bin LIMIT ?", (digits, upper, limit)
            )
        else:
            if len(query) < 3:
                return []
            phrase = '"' + query.replace('"', '""') + '"'
            rows = self._all(
                "SELECT s.* FROM subjects_name_search f JOIN subjects s ON s.id = f.rowid"
                " WHERE subjects_name_search MATCH ? ORDER BY f.rank LIMIT ?",
                (phrase, limit),
            )
        return [_subject(r) for r in rows]

    def count(self) -> int:
        return self._c.execute("SELECT count(*) FROM subjects").fetchone()[0]

    def upsert(self, bin_: str, name: str, kind: str, address: str | None) -> int:
        """Insert or refresh a subject; returns its id."""
        now = utc_now()
        self._c.execute(
            "INSERT INTO subjects (bin, name, kind, address, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (bin) DO UPDATE SET name = excluded.name, kind = excluded.kind,"
            " address = COALESCE(excluded.address, subjects.address), updated_at = excluded.updated_at",
            (bin_, name, kind, address, now, now),
        )
        return self._c.execute("SELECT id FROM subjects WHERE bin = ?", (bin_,)).fetchone()["id"]
