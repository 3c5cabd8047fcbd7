"""Proof of a finalized sheet: its PDFs stored once with their SHA-256, and the /verify look-up."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.clock import utc_now
from bot.db.repository import Repository, literal
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


class ProofRepository(Repository):
    __slots__ = ()

    def stored_pdf(self, inspection_id: int, lang: str) -> StoredPdf | None:
        row = self._c.execute(
            "SELECT sha256, data FROM check_sheet_pdfs WHERE inspection_id = ? AND lang = ?", (inspection_id, lang)
        ).fetchone()
        return StoredPdf(inspection_id, lang, row["sha256"], bytes(row["data"])) if row else None

    def keep_pdf(self, inspection_id: int, lang: str, sha256: str, data: bytes) -> StoredPdf:
        """Store a finalized sheet's PDF unless one is stored already; returns the one stored (first wins)."""
        self._c.execute(
            "INSERT OR IGNORE INTO check_sheet_pdfs (inspection_id, lang, sha256, size, data, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (inspection_id, lang, sha256, len(data), data, utc_now()),
        )
        return self.stored_pdf(inspection_id, lang)

    def pdf_hashes(self, inspection_ids: list[int]) -> dict[int, dict[str, str]]:
        """The SHA-256 of each stored PDF of these sheets: {inspection: {lang: sha256}}."""
        if not inspection_ids:
            return {}
        marks = ",".join("?" * len(inspection_ids))
        rows = self._all(
            f"SELECT inspection_id, lang, sha256 FROM check_sheet_pdfs WHERE inspection_id IN ({marks}) ORDER BY lang",
            tuple(inspection_ids),
        )
        result: dict[int, dict[str, str]] = {}
        for r in rows:
            result.setdefault(r["inspection_id"], {})[r["lang"]] = r["sha256"]
        return result

    def match(self, sha256: str) -> PdfMatch | None:
        row = self._one(
            "SELECT p.inspection_id, p.lang, i.subject_bin, i.subject_name, i.act_number, i.act_date, i.inspector_name,"
            " i.finalized_at FROM check_sheet_pdfs p JOIN inspections i ON i.id = p.inspection_id"
            " WHERE p.sha256 = ? AND i.status = "
            + literal(InspectionStatus.FINALIZED)
            + " ORDER BY p.inspection_id LIMIT 1",
            (sha256,),
        )
        if row is None:
            return None
        return PdfMatch(
            row["inspection_id"],
            row["lang"],
            row["subject_bin"],
            row["subject_name"],
            row["act_number"],
            row["act_date"],
            row["inspector_name"],
            row["finalized_at"],
        )

    def wait_for_pdf(self, telegram_id: int, until: str) -> None:
        self._c.execute(
            "INSERT INTO verify_waits (telegram_id, until) VALUES (?, ?)"
            " ON CONFLICT (telegram_id) DO UPDATE SET until = excluded.until",
            (telegram_id, until),
        )

    def waits_for_pdf(self, telegram_id: int, now: str) -> bool:
        return (
            self._one("SELECT 1 FROM verify_waits WHERE telegram_id = ? AND until > ?", (telegram_id, now)) is not None
        )

    def stop_waiting(self, telegram_id: int) -> None:
        self._c.execute("DELETE FROM verify_waits WHERE telegram_id = ?", (telegram_id,))
