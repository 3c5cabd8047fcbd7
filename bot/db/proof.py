"""Proof of a finalized sheet: its PDFs stored once with their SHA-256, and the /verify look-up."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.db.clock import utc_now
from bot.db.database import Database
from bot.statuses import InspectionStatus


@dataclass(frozen=True, slots=True)
class StoredPdf:
    inspection_id: int
    lang: str
    sha256: str
    data: bytes


@dataclass(frozen=True, slots=True)
class PdfMatch:
    """The finalized sheet a PDF's SHA-256 belongs to."""

    inspection_id: int
    lang: str
    subject_bin: str | None
    subject_name: str | None
    act_number: str | None
    act_date: str | None
    inspector_name: str | None
    finalized_at: str


def load_pdf(c: sqlite3.Connection, inspection_id: int, lang: str) -> StoredPdf | None:
    row = c.execute("SELECT sha256, data FROM check_sheet_pdfs WHERE inspection_id = ? AND lang = ?",
                    (inspection_id, lang)).fetchone()
    return StoredPdf(inspection_id, lang, row["sha256"], bytes(row["data"])) if row else None


def keep_pdf(c: sqlite3.Connection, inspection_id: int, lang: str, sha256: str, data: bytes) -> StoredPdf:
    """Store a finalized sheet's PDF unless one is stored already; returns the one stored (first wins)."""
    c.execute("INSERT OR IGNORE INTO check_sheet_pdfs (inspection_id, lang, sha256, size, data, created_at)"
              " VALUES (?, ?, ?, ?, ?, ?)", (inspection_id, lang, sha256, len(data), data, utc_now()))
    return load_pdf(c, inspection_id, lang)


async def stored_pdf(db: Database, inspection_id: int, lang: str) -> StoredPdf | None:
    return await db.call(load_pdf, inspection_id, lang)


async def pdf_hashes(db: Database, inspection_ids: list[int]) -> dict[int, dict[str, str]]:
    """The SHA-256 of each stored PDF of these sheets: {inspection: {lang: sha256}}."""
    if not inspection_ids:
        return {}
    marks = ",".join("?" * len(inspection_ids))
    rows = await db.fetch_all(f"SELECT inspection_id, lang, sha256 FROM check_sheet_pdfs WHERE inspection_id IN"
                              f" ({marks}) ORDER BY lang", tuple(inspection_ids))
    result: dict[int, dict[str, str]] = {}
    for r in rows:
        result.setdefault(r["inspection_id"], {})[r["lang"]] = r["sha256"]
    return result


async def match(db: Database, sha256: str) -> PdfMatch | None:
    row = await db.fetch_one(
        "SELECT p.inspection_id, p.lang, i.subject_bin, i.subject_name, i.act_number, i.act_date, i.inspector_name,"
        " i.finalized_at FROM check_sheet_pdfs p JOIN inspections i ON i.id = p.inspection_id"
        " WHERE p.sha256 = ? AND i.status = ? ORDER BY p.inspection_id LIMIT 1", (sha256, InspectionStatus.FINALIZED))
    if row is None:
        return None
    return PdfMatch(row["inspection_id"], row["lang"], row["subject_bin"], row["subject_name"], row["act_number"],
                    row["act_date"], row["inspector_name"], row["finalized_at"])


async def wait_for_pdf(db: Database, telegram_id: int, until: str) -> None:
    await db.execute_alone("INSERT INTO verify_waits (telegram_id, until) VALUES (?, ?)"
                           " ON CONFLICT (telegram_id) DO UPDATE SET until = excluded.until", (telegram_id, until))


async def waits_for_pdf(db: Database, telegram_id: int, now: str) -> bool:
    return await db.fetch_one("SELECT 1 FROM verify_waits WHERE telegram_id = ? AND until > ?",
                              (telegram_id, now)) is not None


async def stop_waiting(db: Database, telegram_id: int) -> None:
    await db.execute_alone("DELETE FROM verify_waits WHERE telegram_id = ?", (telegram_id,))
