"""Importing the registry of subjects, objective facts and findings of criteria 20-35 from a spreadsheet.

preview: read the table, check every row, count what would be added / updated / unchanged / rejected, and
keep the accepted rows in a pending import (a database row: a restart before apply loses nothing).
apply: write them all in one transaction with an audit entry; cancel: write nothing. A second import of
the same file finds every record by its key and changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.catalogue import Catalogue
from bot.db.database import Database
from bot.db.imports import ImportSource
from bot.db.repos import Repos
from bot.db.users import User
from bot.limits import BOT_DOWNLOAD_LIMIT_BYTES
from bot.roles import TABLES
from bot.services.import_rows import (
    Action,
    FindingRecord,
    ObjectiveRecord,
    Record,
    Rejected,
    SubjectRecord,
    check_rows,
    classify,
    from_json,
    key_of,
    merged,
    to_json,
)
from bot.statuses import ImportStatus
from bot.tables.kinds import TableKind
from bot.tables.reader import TableError, read_table
from bot.validation import kind_of

MAX_ROWS = 100_000  # a file of more data rows is refused as a whole
MAX_FILE_BYTES = BOT_DOWNLOAD_LIMIT_BYTES  # the Bot API's download limit (getFile)
AWAITING_FOR = timedelta(hours=1)  # after /import, the person's next file within this time is the table


@dataclass(frozen=True, slots=True)
class ImportPreview:
    import_id: int
    kind: TableKind
    file_name: str
    header: tuple[str, ...]
    counts: dict[str, int]  # add / update / unchanged / rejected
    rejected: list[Rejected]


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    applied: bool  # False: already applied or cancelled (a second tap), nothing written now
    kind: str
    file_name: str
    counts: dict[str, int]


def _stored(r: Repos, kind: TableKind, bins: set[str]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """What is stored under the keys of a table of this kind, for the records of these BINs."""
    if kind is TableKind.SUBJECTS:
        return r.imports.stored_subjects(bins)
    if kind is TableKind.OBJECTIVE:
        return r.imports.stored_objective(bins)
    return r.imports.stored_findings(bins)


def _cancel(r: Repos, user: User, import_id: int) -> bool:
    pending = r.imports.get_pending(import_id)
    if pending is None or pending.created_by != user.telegram_id:
        return False
    return r.imports.decide(import_id, ImportStatus.CANCELLED)


class ImportService:
    def __init__(
        self, db: Database, catalogue: Catalogue, today: Callable[[], date], *, max_rows: int = MAX_ROWS
    ) -> None:
        self._db = db
        self._catalogue = catalogue
        self._today = today
        self.max_rows = max_rows
        self.max_file_bytes = MAX_FILE_BYTES

    @staticmethod
    def may_import(user: User) -> bool:
        """Defensive: the handlers' routers are filtered by the same set (bot/handlers/tables.py)."""
        return user.role in TABLES

    async def expect_file(self, user: User) -> None:
        await self._db.run(lambda r: r.imports.expect_file(user.telegram_id))

    async def expects_file(self, user: User) -> bool:
        return self.may_import(user) and await self._db.read(
            lambda r: r.imports.expects_file(user.telegram_id, AWAITING_FOR)
        )

    async def sources(self, bin_: str) -> list[ImportSource]:
        """The spreadsheets and rows a subject's imported records came from (shown on its card)."""
        return await self._db.read(lambda r: r.imports.sources_of(bin_))

    async def preview(self, user: User, file_name: str, data: bytes) -> ImportPreview:
        """Raises :class:`TableError` when the file is no table of a known kind."""
        table = await asyncio.to_thread(read_table, data, max_rows=self.max_rows)
        bins = {str(row.cells.get("bin") or "").strip() for row in table.rows}
        known = (
            await self._db.call(lambda r: r.imports.known_bins(bins)) if table.kind is not TableKind.SUBJECTS else set()
        )
        checked = await asyncio.to_thread(
            check_rows, table.kind, table.rows, today=self._today(), known_bins=known, catalogue=self._catalogue
        )
        stored = await self._db.call(lambda r: _stored(r, table.kind, {rec.bin for rec in checked.accepted}))
        counts = {action.value: 0 for action in Action}
        for record in checked.accepted:
            counts[classify(record, stored.get(key_of(record))).value] += 1
        counts["rejected"] = len(checked.rejected)
        counts["subjects"] = len({r.bin for r in checked.accepted if getattr(r, "subject_name", None)})
        rows = [to_json(r) for r in checked.accepted]
        async with self._db.transaction() as tx:  # the rows as JSON, written on aiosqlite's thread
            import_id = await tx.call(
                lambda r: r.imports.save_pending(user.telegram_id, file_name, table.kind.value, rows, counts)
            )
        return ImportPreview(import_id, table.kind, file_name, table.header, counts, checked.rejected)

    async def apply(self, user: User, import_id: int) -> ImportOutcome | None:
        """Everything in one transaction, classified again against what is stored now; None: no such import.
        One unit of work on aiosqlite's thread (a file of 100,000 rows never blocks the event loop)."""
        async with self._db.transaction() as tx:
            return await tx.call(self._apply, user, import_id)

    def _apply(self, r: Repos, user: User, import_id: int) -> ImportOutcome | None:
        pending = r.imports.get_pending(import_id)
        if pending is None or pending.created_by != user.telegram_id:
            return None
        if pending.status is not ImportStatus.PENDING:
            return ImportOutcome(False, pending.kind, pending.file_name, pending.counts)
        kind = TableKind(pending.kind)
        records = [from_json(kind, row) for row in pending.rows]
        counts = self._write(r, user, kind, records, pending.file_name)
        counts["rejected"] = pending.counts.get("rejected", 0)
        r.imports.decide(import_id, ImportStatus.APPLIED)
        r.audit.add(
            user.telegram_id,
            "import.apply",
            "import",
            import_id,
            {"file": pending.file_name, "kind": kind.value, **counts},
        )
        return ImportOutcome(True, kind.value, pending.file_name, counts)

    async def cancel(self, user: User, import_id: int) -> bool:
        async with self._db.transaction() as tx:
            return await tx.call(_cancel, user, import_id)

    def _write(self, r: Repos, user: User, kind: TableKind, records: list[Record], file_name: str) -> dict[str, int]:
        created = 0
        if kind is not TableKind.SUBJECTS:  # subjects that rows of this file create come first
            named = {rec.bin: rec.subject_name for rec in records if rec.subject_name}
            new = sorted(set(named) - r.imports.known_bins(named))
            r.imports.add_subjects([(b, named[b], kind_of(b), None, None, None, None, None) for b in new])
            created = len(new)
        stored = _stored(r, kind, {rec.bin for rec in records})
        by_action: dict[Action, list[tuple[Record, tuple[Any, ...]]]] = {a: [] for a in Action}
        for record in records:
            existing = stored.get(key_of(record))
            by_action[classify(record, existing)].append((record, merged(record, existing)))
        added, updated = by_action[Action.ADD], by_action[Action.UPDATE]
        if kind is TableKind.SUBJECTS:
            r.imports.add_subjects([_subject_row(rec) for rec, _ in added])
            r.imports.update_subjects([(rec.bin, *values) for rec, values in updated])
        elif kind is TableKind.OBJECTIVE:
            r.imports.add_objective([_objective_row(rec) for rec, _ in added], user.telegram_id, file_name)
            r.imports.update_objective([_objective_row(rec) for rec, _ in updated], user.telegram_id, file_name)
        else:
            r.imports.add_findings([self._finding_row(rec) for rec, _ in added], user.telegram_id, file_name)
            r.imports.update_findings([self._finding_row(rec) for rec, _ in updated], user.telegram_id, file_name)
        return {**{a.value: len(items) for a, items in by_action.items()}, "subjects": created}

    def _finding_row(self, r: FindingRecord) -> tuple[Any, ...]:
        severity = self._catalogue.criteria[r.criterion].severity.value  # the catalogue's, as /findings does
        return (r.bin, r.criterion, severity, r.answer, r.found_on.isoformat(), r.source, r.row)


def _subject_row(r: SubjectRecord) -> tuple[Any, ...]:
    return (r.bin, r.name, kind_of(r.bin), r.control_kind, r.region, r.address, r.lat, r.lon)


def _objective_row(r: ObjectiveRecord) -> tuple[Any, ...]:
    return (r.bin, r.condition, int(r.met), r.occurred_on.isoformat(), r.value, r.source, r.row)


__all__ = ["ImportOutcome", "ImportPreview", "ImportService", "TableError"]
