"""Spreadsheet imports: the pending import's row, the stored records an import's keys find, bulk writes.

Records an import writes are the commands' own records (subjects, objective_records, findings) with the
file's name and row in ``import_file`` / ``import_row``. A list of BINs reaches SQLite as one JSON array
(``json_each``), so a file of 100,000 rows is one query, not 100,000.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.db.clock import utc_now
from bot.db.repository import Repository, literal
from bot.statuses import ImportStatus


@dataclass(frozen=True, slots=True)
class PendingImport:
    id: int
    created_by: int
    status: ImportStatus
    file_name: str
    kind: str
    rows: list[dict[str, Any]]
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class ImportSource:
    file_name: str
    rows: tuple[int, ...]  # the spreadsheet rows its records came from, ascending


_AWAITING, _PENDING = literal(ImportStatus.AWAITING), literal(ImportStatus.PENDING)  # filters: see literal()


class ImportRepository(Repository):
    __slots__ = ()

    def expect_file(self, user_id: int) -> None:
        """The person asked /import: their next file is the table (one awaiting row per person)."""
        self._c.execute(f"DELETE FROM imports WHERE created_by = ? AND status = {_AWAITING}", (user_id,))
        self._c.execute(
            "INSERT INTO imports (created_by, created_at, status) VALUES (?, ?, ?)",
            (user_id, utc_now(), ImportStatus.AWAITING),
        )

    def expects_file(self, user_id: int, within: timedelta) -> bool:
        since = (datetime.now(UTC) - within).isoformat(timespec="seconds")
        row = self._one(
            f"SELECT 1 FROM imports WHERE created_by = ? AND status = {_AWAITING} AND created_at >= ?", (user_id, since)
        )
        return row is not None

    def save_pending(
        self, user_id: int, file_name: str, kind: str, rows: list[dict[str, Any]], counts: dict[str, int]
    ) -> int:
        """The checked rows, waiting for apply or cancel; the awaiting mark is used up, and an earlier preview
        of the same person left undecided is cancelled (one pending import per person: storage stays bounded)."""
        self._c.execute(f"DELETE FROM imports WHERE created_by = ? AND status = {_AWAITING}", (user_id,))
        self._c.execute(
            "UPDATE imports SET status = ?, decided_at = ?, rows_json = NULL"
            f" WHERE created_by = ? AND status = {_PENDING}",
            (ImportStatus.CANCELLED, utc_now(), user_id),
        )
        cursor = self._c.execute(
            "INSERT INTO imports (created_by, created_at, status, file_name, kind, rows_json, counts_json)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                user_id,
                utc_now(),
                ImportStatus.PENDING,
                file_name,
                kind,
                json.dumps(rows, ensure_ascii=False),
                json.dumps(counts),
            ),
        )
        return cursor.lastrowid

    def get_pending(self, import_id: int) -> PendingImport | None:
        row = self._one(f"SELECT * FROM imports WHERE id = ? AND status <> {_AWAITING}", (import_id,))
        if row is None:
            return None
        return PendingImport(
            row["id"],
            row["created_by"],
            ImportStatus(row["status"]),
            row["file_name"],
            row["kind"],
            json.loads(row["rows_json"] or "[]"),
            json.loads(row["counts_json"] or "{}"),
        )

    def decide(self, import_id: int, status: ImportStatus) -> bool:
        """Pending -> applied or cancelled, once; the rows are dropped (the records or nothing remain)."""
        cursor = self._c.execute(
            f"UPDATE imports SET status = ?, decided_at = ?, rows_json = NULL WHERE id = ? AND status = {_PENDING}",
            (status, utc_now(), import_id),
        )
        return cursor.rowcount == 1

    def known_bins(self, bins: Iterable[str]) -> set[str]:
        rows = self._all(
            "SELECT bin FROM subjects WHERE bin IN (SELECT value FROM json_each(?))", (json.dumps(sorted(set(bins))),)
        )
        return {r["bin"] for r in rows}

    def stored_subjects(self, bins: Iterable[str]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        """(bin,) -> (name, control_kind, region, address, lat, lon)."""
        rows = self._all(
            "SELECT bin, name, control_kind, region, address, lat, lon FROM subjects"
            " WHERE bin IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(set(bins))),),
        )
        return {
            (r["bin"],): (r["name"], r["control_kind"], r["region"], r["address"], r["lat"], r["lon"]) for r in rows
        }

    def stored_objective(
        self,
        bins: Iterable[str],
    ) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        """(bin, condition, occurred_on, source) -> (met, value) of the newest record with that key."""
        rows = self._all(
            "SELECT s.bin, o.condition, o.occurred_on, o.source_note, o.met, o.value FROM objective_records o"
            " JOIN subjects s ON s.id = o.subject_id WHERE s.bin IN (SELECT value FROM json_each(?))"
            " AND o.source_note IS NOT NULL ORDER BY o.id",
            (json.dumps(sorted(set(bins))),),
        )
        return {(r["bin"], r["condition"], r["occurred_on"], r["source_note"]): (r["met"], r["value"]) for r in rows}

    def stored_findings(self, bins: Iterable[str]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        """(bin, criterion, found_on, source) -> (answer,) of the newest finding with that key."""
        rows = self._all(
            "SELECT s.bin, f.criterion, f.found_on, f.source_note, f.answer FROM findings f"
            " JOIN subjects s ON s.id = f.subject_id WHERE s.bin IN (SELECT value FROM json_each(?))"
            " AND f.source_note IS NOT NULL ORDER BY f.id",
            (json.dumps(sorted(set(bins))),),
        )
        return {(r["bin"], r["criterion"], r["found_on"], r["source_note"]): (r["answer"],) for r in rows}

    def add_subjects(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Rows of (bin, name, kind, control_kind, region, address, lat, lon)."""
        now = utc_now()
        self._c.executemany(
            "INSERT INTO subjects (bin, name, kind, control_kind, region, address, lat, lon, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (bin) DO NOTHING",
            [(*r, now, now) for r in rows],
        )

    def update_subjects(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Rows of (bin, name, control_kind, region, address, lat, lon): the values after the import."""
        now = utc_now()
        self._c.executemany(
            "UPDATE subjects SET name = ?, control_kind = ?, region = ?, address = ?, lat = ?, lon = ?, updated_at = ?"
            " WHERE bin = ?",
            [(*r[1:], now, r[0]) for r in rows],
        )

    def add_objective(self, rows: Sequence[tuple[Any, ...]], user_id: int, file_name: str) -> None:
        """Rows of (bin, condition, met, occurred_on, value, source, import_row)."""
        now = utc_now()
        self._c.executemany(
            "INSERT INTO objective_records (subject_id, condition, met, occurred_on, value, source_note, import_row,"
            " recorded_by, recorded_at, import_file)"
            " SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM subjects WHERE bin = ?",
            [(*r[1:], user_id, now, file_name, r[0]) for r in rows],
        )

    def update_objective(self, rows: Sequence[tuple[Any, ...]], user_id: int, file_name: str) -> None:
        """Rows of (bin, condition, met, occurred_on, value, source, import_row): the keyed record changes."""
        now = utc_now()
        self._c.executemany(
            "UPDATE objective_records SET met = ?, value = ?, import_row = ?, import_file = ?, recorded_by = ?,"
            " recorded_at = ? WHERE id = (SELECT o.id FROM objective_records o"
            " JOIN subjects s ON s.id = o.subject_id WHERE s.bin = ? AND o.condition = ? AND o.occurred_on = ?"
            " AND o.source_note = ? ORDER BY o.id DESC LIMIT 1)",
            [(r[2], r[4], r[6], file_name, user_id, now, r[0], r[1], r[3], r[5]) for r in rows],
        )

    def add_findings(self, rows: Sequence[tuple[Any, ...]], user_id: int, file_name: str) -> None:
        """Rows of (bin, criterion, severity, answer, found_on, source, import_row)."""
        now = utc_now()
        self._c.executemany(
            "INSERT INTO findings (subject_id, criterion, severity, answer, found_on, source_note, import_row,"
            " recorded_by, recorded_at, import_file)"
            " SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM subjects WHERE bin = ?",
            [(*r[1:], user_id, now, file_name, r[0]) for r in rows],
        )

    def update_findings(self, rows: Sequence[tuple[Any, ...]], user_id: int, file_name: str) -> None:
        """Rows of (bin, criterion, severity, answer, found_on, source, import_row): the keyed finding changes."""
        now = utc_now()
        self._c.executemany(
            "UPDATE findings SET severity = ?, answer = ?, import_row = ?, import_file = ?, recorded_by = ?,"
            " recorded_at = ? WHERE id = (SELECT f.id FROM findings f JOIN subjects s ON s.id = f.subject_id"
            " WHERE s.bin = ? AND f.criterion = ? AND f.found_on = ? AND f.source_note = ? ORDER BY f.id DESC LIMIT 1)",
            [(r[2], r[3], r[6], file_name, user_id, now, r[0], r[1], r[4], r[5]) for r in rows],
        )

    def sources_of(self, bin_: str, files: int = 3, rows_per_file: int = 10) -> list[ImportSource]:
        """The spreadsheets (newest first) and rows behind a subject's facts and findings, for its card."""
        found = self._all(
            "SELECT import_file, import_row, recorded_at FROM findings WHERE import_file IS NOT NULL"
            " AND subject_id = (SELECT id FROM subjects WHERE bin = ?)"
            " UNION ALL SELECT import_file, import_row, recorded_at FROM objective_records"
            " WHERE import_file IS NOT NULL"
            " AND subject_id = (SELECT id FROM subjects WHERE bin = ?) ORDER BY recorded_at DESC",
            (bin_, bin_),
        )
        by_file: dict[str, set[int]] = {}
        for r in found:
            by_file.setdefault(r["import_file"], set()).add(r["import_row"])
        return [ImportSource(name, tuple(sorted(rows))[:rows_per_file]) for name, rows in list(by_file.items())[:files]]
