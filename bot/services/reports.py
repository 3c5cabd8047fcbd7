"""What a finalized inspection produces: the result summary and the filled check sheet as PDF."""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from bot.catalogue import Catalogue, Severity
from bot.db.database import Database
from bot.db.inspections import Evidence, FinalizedRow, Inspection
from bot.db.repos import Repos
from bot.pdf.check_sheet import EvidenceImage, render_check_sheet
from bot.statuses import InspectionStatus
from bot.texts import Texts
from bot.workers import WorkerPool, pdf_pool

log = logging.getLogger(__name__)

IMAGE_TYPES = ("image/jpeg", "image/png")
MAX_IMAGE_BYTES = 10 * 1024 * 1024  # larger photos are listed in the appendix, not embedded
MAX_IMAGES = 60


@dataclass(frozen=True, slots=True)
class CheckSheetDocument:
    data: bytes
    file_name: str
    subject_name: str
    sha256: str  # recorded with the sheet: /verify recognises these exact bytes


class ReportService:
    def __init__(self, db: Database, catalogue: Catalogue, timezone: ZoneInfo, pdf: WorkerPool | None = None) -> None:
        self._db = db
        self._catalogue = catalogue
        self._tz = timezone
        self.pdf = pdf or pdf_pool(1)  # processes start with the first PDF unless started before

    def summary(self, t: Texts, inspection: Inspection) -> str:
        """The result message (HTML): violations by severity, SP1/SP2, SPз, SPн, SP and the class."""
        severities = {s.value: self._catalogue.severities[s](t.lang) for s in Severity}
        return t(
            "result_summary",
            inspection_id=inspection.id,
            header=inspection.header,
            r=inspection.result,
            severities=severities,
        )

    @property
    def timezone(self) -> ZoneInfo:
        return self._tz

    def year_bounds_utc(self, year: int) -> tuple[str, str]:
        """1 January 00:00 of ``year`` and of the next, local time, as stored (ISO UTC) strings."""

        def edge(y: int) -> str:
            return datetime(y, 1, 1, tzinfo=self._tz).astimezone(UTC).isoformat(timespec="seconds")

        return edge(year), edge(year + 1)

    async def finalized_by(self, inspector_id: int, limit: int) -> list[FinalizedRow]:
        """An inspector's latest finalized check sheets, newest first (/mine)."""
        return await self._db.read(lambda r: r.inspections.finalized_by(inspector_id, limit))

    async def check_sheet(self, bot: Bot, inspection_id: int, lang: str) -> CheckSheetDocument:
        """The finalized sheet's PDF in a language: rendered once, stored with its SHA-256, and the stored
        bytes sent on every later request. WeasyPrint 70 gives the same bytes for the same HTML (no creation
        date is written), but a render also depends on photos downloaded again from Telegram (one may fail
        or be gone), on the templates, fonts and library versions: only stored bytes keep the hash true."""
        inspection, answers, evidence, point = await self._db.read(_sheet_data, inspection_id)
        if inspection is None or inspection.status is not InspectionStatus.FINALIZED:
            raise ValueError(f"inspection {inspection_id} is not finalized")
        name = f"check-sheet-{inspection.id}-{inspection.header['subject_bin']}-{lang}.pdf"
        subject_name = inspection.header["subject_name"] or ""
        stored = await self._db.call(lambda r: r.proof.stored_pdf(inspection_id, lang))  # a blob: off the loop
        if stored is None:
            data = await self._render(bot, inspection, answers, evidence, lang, point)
            sha256 = hashlib.sha256(data).hexdigest()
            stored = await self._db.run(lambda r: r.proof.keep_pdf(inspection_id, lang, sha256, data))
        return CheckSheetDocument(stored.data, name, subject_name, stored.sha256)

    async def _render(
        self,
        bot: Bot,
        inspection: Inspection,
        answers: dict,
        evidence: list[Evidence],
        lang: str,
        point: tuple[float, float] | None,
    ) -> bytes:
        images = await self._images(bot, evidence)
        data = await self.pdf.run(  # in a worker process: never on the event loop, never holding its GIL
            render_check_sheet,
            catalogue=self._catalogue,
            lang=lang,
            inspection=inspection,
            answers=answers,
            evidence=evidence,
            images=images,
            result=inspection.result,
            generated_at=inspection.finalized_at,
            timezone=self._tz,
            registry_point=point,
        )
        return data

    async def _images(self, bot: Bot, evidence: list[Evidence]) -> list[EvidenceImage]:
        """Photo evidence downloaded for the appendix; a file that cannot be fetched is listed only."""
        images: list[EvidenceImage] = []
        per_item: dict[int, int] = {}
        for ev in evidence:
            if ev.mime_type not in IMAGE_TYPES or (ev.file_size or 0) > MAX_IMAGE_BYTES or len(images) >= MAX_IMAGES:
                continue
            try:
                buffer = await bot.download(ev.file_id, destination=io.BytesIO())
            except (TimeoutError, TelegramAPIError, OSError) as exc:
                log.warning("evidence %s of item %s not downloaded: %s", ev.file_unique_id, ev.item, exc)
                continue
            per_item[ev.item] = per_item.get(ev.item, 0) + 1
            label = ev.file_name or f"{ev.item}.{per_item[ev.item]}"
            images.append(EvidenceImage(ev.item, buffer.getvalue(), ev.mime_type, label))
        return images


def _sheet_data(
    r: Repos, inspection_id: int
) -> tuple[Inspection | None, dict, list[Evidence], tuple[float, float] | None]:
    inspection = r.inspections.get(inspection_id)
    if inspection is None:
        return None, {}, [], None
    subject = r.subjects.by_bin(inspection.header["subject_bin"]) if inspection.header["subject_bin"] else None
    return (
        inspection,
        r.inspections.answers(inspection_id),
        r.inspections.evidence(inspection_id),
        subject.point if subject else None,
    )
