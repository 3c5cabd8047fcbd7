"""The filled check sheet of Annex 2 (тексеру парағы) as a PDF to print and sign.

The layout and every word live in ``templates/pdf/``: the order's labels come from the catalogue, our own
words from ``words.j2`` (phrases in the language's gettext catalogue, ``bot/locales``). This module only
gathers the data the template shows, turns photos into ``data:`` URIs and hands the HTML to WeasyPrint,
which may fetch nothing but ``data:`` URIs.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any

from weasyprint import HTML
from weasyprint.urls import URLFetcher

from bot.catalogue import Catalogue, Requirement, Severity
from bot.db.inspections import Evidence, Inspection, StoredAnswer
from bot.geo import haversine_m
from bot.texts import LANGUAGES, environment

TEMPLATE = "pdf/check_sheet.html.j2"
VIOLATED = "violated"
# Photos are printed at most at this resolution: a 20 MB photo does not make a 20 MB PDF.
PRINT_DPI = 150
# The image formats Telegram sends and a PDF carries, by their first bytes: the bytes decide, not the label.
_IMAGE_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


@dataclass(frozen=True, slots=True)
class EvidenceImage:
    """A photo of a violated item, downloaded from Telegram, to print in the appendix."""

    item: int
    data: bytes  # JPEG or PNG bytes downloaded from Telegram
    mime_type: str  # "image/jpeg" / "image/png"
    label: str  # e.g. "photo 2" or the file name (plain text)


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One row of the check sheet's table."""

    requirement: Requirement
    severity: Severity  # as stored with the answer (the one scored), else the catalogue's
    answer: str | None  # complies / violated / not_applicable; None while unanswered
    note: str | None = None  # the violation's comment or the reason it does not apply (the note column)


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    kind: str  # photo / document
    name: str | None
    size: int | None  # bytes
    received: str  # ISO UTC, as stored; the template shows it in the configured time zone
    unique_id: str  # Telegram's file_unique_id (the same file sent again has the same one)
    sha256: str | None  # of the bytes downloaded on arrival; None when the download failed


@dataclass(frozen=True, slots=True)
class Photo:
    src: str  # a data: URI
    label: str


@dataclass(frozen=True, slots=True)
class Violation:
    """A violated item (талаптарға сәйкес келмейді) with what the inspector gave for it."""

    requirement: Requirement
    severity: Severity
    comment: str | None
    files: tuple[EvidenceFile, ...]
    photos: tuple[Photo, ...]


@dataclass(frozen=True, slots=True)
class Place:
    """The visit's location as printed."""

    lat: str  # "43.238949"
    lon: str
    accuracy: int | None  # metres
    received: str  # ISO UTC, as stored; the template shows it in the configured time zone
    distance: str | None  # to the subject's coordinates in the registry: "140 m" / "1.4 km"


def render_check_sheet(
    *,
    catalogue: Catalogue,
    lang: str,
    inspection: Inspection,
    answers: dict[int, StoredAnswer],
    evidence: list[Evidence],
    images: list[EvidenceImage],
    result: dict[str, Any],
    generated_at: str,
    timezone: tzinfo = UTC,
    registry_point: tuple[float, float] | None = None,
) -> bytes:
    """The filled check sheet of Annex 2 as PDF bytes.

    CPU-bound (about half a second for a four-page sheet): the bot calls it in a worker process
    (``ReportService`` through ``bot/workers.py``), never on the event loop. Photos whose bytes are neither
    PNG nor JPEG are left out; times (``generated_at`` and the evidence's, ISO UTC) are printed in
    ``timezone`` (marked "UTC" when that is UTC) by the ``local_datetime`` filter.
    """
    html = check_sheet_html(
        catalogue=catalogue,
        lang=lang,
        inspection=inspection,
        answers=answers,
        evidence=evidence,
        images=images,
        result=result,
        generated_at=generated_at,
        timezone=timezone,
        registry_point=registry_point,
    )
    # base_url=None and a fetcher that allows data: URIs only: rendering never touches the network or disk.
    document = HTML(string=html, base_url=None, url_fetcher=URLFetcher(allowed_protocols=("data",)))
    return document.write_pdf(dpi=PRINT_DPI)


def check_sheet_html(
    *,
    catalogue: Catalogue,
    lang: str,
    inspection: Inspection,
    answers: dict[int, StoredAnswer],
    evidence: list[Evidence],
    images: list[EvidenceImage],
    result: dict[str, Any],
    generated_at: str,
    timezone: tzinfo = UTC,
    registry_point: tuple[float, float] | None = None,
) -> str:
    """The HTML that :func:`render_check_sheet` prints (every value escaped by the template environment)."""
    if lang not in LANGUAGES:
        raise ValueError(f"no check sheet in language {lang!r}")
    rows = [_row(requirement, answers.get(requirement.number)) for requirement in catalogue.checklist]
    violations = [
        Violation(
            requirement=row.requirement,
            severity=row.severity,
            comment=answers[row.requirement.number].comment,
            files=tuple(_file(ev) for ev in evidence if ev.item == row.requirement.number),
            photos=tuple(
                photo
                for image in images
                if image.item == row.requirement.number
                if (photo := _photo(image)) is not None
            ),
        )
        for row in rows
        if row.answer == VIOLATED
    ]
    template = environment(lang).get_template(TEMPLATE)
    return template.render(
        officials=_officials(inspection.header),
        lang=lang,
        timezone=timezone,
        sheet=catalogue.check_sheet,
        order=catalogue.order,
        severities=catalogue.severities,
        constants=catalogue.constants,
        inspection=inspection,
        header=inspection.header,
        rows=rows,
        result=result,
        violations=violations,
        generated_at=generated_at,
        place=place_of(inspection, registry_point, lang),
    )


def place_of(inspection: Inspection, registry_point: tuple[float, float] | None, lang: str) -> Place | None:
    """The location as printed, with the distance to the registry's coordinates when it has them."""
    where = inspection.location
    if where is None:
        return None
    distance = None
    if registry_point is not None:
        distance = format_distance(haversine_m(where.lat, where.lon, *registry_point), lang)
    accuracy = round(where.accuracy) if where.accuracy is not None else None
    return Place(f"{where.lat:.6f}", f"{where.lon:.6f}", accuracy, where.received_at, distance)


def format_distance(metres: float, lang: str) -> str:
    """'140 м' under a kilometre, '1,4 км' from there (the same units and comma in Kazakh and Russian)."""
    if metres < 1000:
        return f"{round(metres)} м"
    return f"{metres / 1000:.1f} км".replace(".", ",")


def _row(requirement: Requirement, answer: StoredAnswer | None) -> SheetRow:
    if answer is None:
        return SheetRow(requirement, requirement.severity, None)
    return SheetRow(requirement, Severity(answer.severity), answer.answer, answer.comment)


def _officials(header: dict[str, str | None]) -> list[tuple[str, str]]:
    """ "Лауазымды адам (-дар)": the inspector, then the other officials of the visit (name, position)."""
    officials = [(header.get("inspector_name") or "", header.get("inspector_position") or "")]
    for line in (header.get("other_officials") or "").splitlines():
        name, _, position = line.partition(";")
        officials.append((name.strip(), position.strip()))
    return officials


def _file(ev: Evidence) -> EvidenceFile:
    return EvidenceFile(ev.kind, ev.file_name, ev.file_size, ev.received_at, ev.file_unique_id, ev.sha256)


def _photo(image: EvidenceImage) -> Photo | None:
    """A data: URI of the photo, or None when its bytes are neither PNG nor JPEG (nothing to print)."""
    mime_type = next((mime for signature, mime in _IMAGE_SIGNATURES if image.data.startswith(signature)), None)
    if mime_type is None:
        return None
    return Photo(f"data:{mime_type};base64,{base64.b64encode(image.data).decode('ascii')}", image.label)


def warm_up() -> None:
    """Load WeasyPrint's fonts and layout machinery once (the first render costs about three times a
    later one), so the first inspector after a restart does not wait for it."""
    HTML(string="<p style=\"font-family: 'DejaVu Sans'\">Тексеру парағы ә ғ қ ң ө ұ ү һ і</p>").write_pdf()
