"""Spreadsheets the bot gives: a year's check sheets with every answer, the registry with each subject's
current risk, the half-year visit list in the layout a head signs, the audit log; and the import templates.

Figures of risk come from :class:`AssessmentService` (the same as the /bin card), never recomputed here.
Column headers and sheet names are texts of the user's language (macros ``xlsx_col`` / ``xlsx_sheet``).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from bot.catalogue import Catalogue
from bot.db.database import Database
from bot.db.visit_lists import VisitList
from bot.scoring.engine import display
from bot.scoring.subject import objective_group_high
from bot.services.assessment import AssessmentService
from bot.services.import_rows import CONTROL_KINDS
from bot.tables.kinds import COLUMNS, TableKind
from bot.tables.writer import Sheet, csv_bytes, workbook_bytes
from bot.texts import Texts

# The CSV files keep English column names of their own (a program reads them); the XLSX speak the user's language.
CSV_VISIT_LIST_HEADER = (
    "position",
    "bin",
    "name",
    "indicator",
    "year",
    "half",
    "deadline",
    "status",
    "approved_on",
    "late",
    "left_out_reason",
    "visited_on",
)
CSV_AUDIT_HEADER = ("id", "at_utc", "actor_id", "action", "object_type", "object_id", "details")
CSV_CHECK_SHEET_HEADER = (
    "inspection",
    "finalized_local",
    "inspector_id",
    "inspector_name",
    "subject_bin",
    "subject_name",
    "act_number",
    "act_date",
    "indicator",
    "risk_class",
    "gross_rule_fired",
    "catalogue_version",
)


def _decimal(text: str | None) -> Decimal | None:
    return Decimal(text) if text else None


class ExportService:
    def __init__(self, db: Database, catalogue: Catalogue, assessment: AssessmentService, timezone: ZoneInfo) -> None:
        self._db = db
        self._catalogue = catalogue
        self._assessment = assessment
        self._tz = timezone

    def _local(self, iso_utc: str | None) -> datetime | None:
        if not iso_utc:
            return None
        return datetime.fromisoformat(iso_utc).astimezone(self._tz).replace(tzinfo=None, microsecond=0)

    def _year_bounds_utc(self, year: int) -> tuple[str, str]:
        def edge(y: int) -> str:
            return datetime(y, 1, 1, tzinfo=self._tz).astimezone(UTC).isoformat(timespec="seconds")

        return edge(year), edge(year + 1)

    async def check_sheets(self, t: Texts, year: int, *, as_csv: bool = False) -> tuple[bytes, int]:
        """The year's finalized sheets (one line each) and, on a second sheet, every answer. A sheet belongs to the
        year of its act date (item 10's reading: a sheet finished on 1 January for an act of 31 December is the
        December year's); one without an act date to the local year of its finish."""
        start_utc, end_utc = self._year_bounds_utc(year)
        sheets = await self._db.call(lambda r: r.exports.sheets_of_year(year, start_utc, end_utc))
        if as_csv:
            rows = [
                (
                    r.id,
                    self._local(r.finalized_at).strftime("%d.%m.%Y %H:%M"),
                    r.inspector_id,
                    r.inspector_name or "",
                    r.subject_bin,
                    r.subject_name,
                    r.act_number or "",
                    r.act_date or "",
                    r.indicator,
                    r.risk_class,
                    int(r.gross_rule_fired),
                    r.catalogue_version,
                )
                for r in sheets
            ]
            return csv_bytes(CSV_CHECK_SHEET_HEADER, rows), len(sheets)
        answers = await self._db.call(lambda r: r.exports.answers_of_year(year, start_utc, end_utc))
        col = t.plain
        summary = Sheet(
            col("xlsx_sheet", name="check_sheets"),
            [
                col("xlsx_col", name=n)
                for n in (
                    "inspection",
                    "finalized",
                    "inspector_id",
                    "inspector_name",
                    "bin",
                    "name",
                    "act_number",
                    "act_date",
                    "indicator",
                    "risk_class",
                    "gross_rule",
                    "catalogue_version",
                )
            ],
            [
                (
                    r.id,
                    self._local(r.finalized_at),
                    r.inspector_id,
                    r.inspector_name,
                    r.subject_bin,
                    r.subject_name,
                    r.act_number,
                    r.act_date,
                    _decimal(r.indicator),
                    col("xlsx_risk_class", value=r.risk_class),
                    col("xlsx_yes_no", value=r.gross_rule_fired),
                    r.catalogue_version,
                )
                for r in sheets
            ],
            number_formats={8: "0.00"},
        )
        severities = {s.value: text(t.lang) for s, text in self._catalogue.severities.items()}
        detail = Sheet(
            col("xlsx_sheet", name="answers"),
            [col("xlsx_col", name=n) for n in ("inspection", "item", "criterion", "severity", "answer", "comment")],
            [
                (
                    a.inspection_id,
                    a.item,
                    a.criterion,
                    severities.get(a.severity, a.severity),
                    col("xlsx_answer", value=a.answer),
                    a.comment,
                )
                for a in answers
            ],
        )
        return await asyncio.to_thread(workbook_bytes, [summary, detail]), len(sheets)

    async def registry(self, t: Texts, *, as_csv: bool = False) -> tuple[bytes, int]:
        """Each subject with its current indicator, class, objective group and last visit (as the /bin card:
        the indicator assessed today, the group for the nearest list's approval), all computed as one set."""
        risks = await self._assessment.all_risks(
            on=self._assessment.today(), objective_on=self._assessment.objective_date(), full_basis=False
        )
        word = cache(t.plain)  # a few words repeated on 100,000 lines: each rendered once
        lines = []
        for s in await self._db.call(lambda r: r.exports.registry()):
            found = risks.get(s.subject_id)
            row: tuple = (
                s.bin,
                s.name,
                word("xlsx_control_kind", value=s.control_kind) if s.control_kind else None,
                s.region,
                s.address,
            )
            if found is None:  # nothing recorded: no figures (as the card of a subject never assessed)
                lines.append((*row, None, None, None, None, None))
                continue
            indicator, conditions = found
            result = indicator.result
            met = sorted(n for n, state in conditions.items() if state.met)
            last_visit = self._local(s.last_finalized_at)
            lines.append(
                (
                    *row,
                    display(result.indicator),
                    word("xlsx_risk_class", value=result.risk_class.value),
                    word("xlsx_yes_no", value=objective_group_high(conditions)),
                    ", ".join(map(str, met)) if met else None,
                    last_visit.date() if last_visit else None,
                )
            )
        header = [
            t.plain("xlsx_col", name=n)
            for n in (
                "bin",
                "name",
                "control_kind",
                "region",
                "address",
                "indicator",
                "risk_class",
                "objective_group",
                "objective_met",
                "last_visit",
            )
        ]
        if as_csv:
            return csv_bytes(header, lines), len(lines)
        sheet = Sheet(t.plain("xlsx_sheet", name="registry"), header, lines, number_formats={5: "0.00"})
        return await asyncio.to_thread(workbook_bytes, [sheet]), len(lines)

    async def visit_list(self, t: Texts, visit_list: VisitList, *, as_csv: bool = False) -> bytes:
        """No, BIN, name, address, indicator, class, last visit; a title above, the approval line below.
        As CSV: a line per entry, then a line per subject left out with the reason (item 10)."""
        if as_csv:
            return visit_list_csv(visit_list)
        lines = []
        for e in visit_list.entries:
            found = await self._assessment.of_bin(e.bin)
            result = found.risk.result if found else None
            last_visit = self._local(found.history[0].finalized_at) if found and found.history else None
            lines.append(
                (
                    e.position,
                    e.bin,
                    e.name,
                    found.subject.address if found else None,
                    Decimal(e.indicator),
                    t.plain("xlsx_risk_class", value=result.risk_class.value) if result else None,
                    last_visit.date() if last_visit else None,
                )
            )
        header = [
            t.plain("xlsx_col", name=n)
            for n in ("position", "bin", "name", "address", "indicator", "risk_class", "last_visit")
        ]
        sheet = Sheet(
            t.plain("xlsx_sheet", name="visit_list"),
            header,
            lines,
            heading=[
                t.plain(
                    "xlsx_list_title",
                    year=visit_list.year,
                    half=visit_list.half,
                    deadline=visit_list.deadline,
                    approved=visit_list.approved,
                )
            ],
            footer=[t.plain("xlsx_approval_line", approved_at=visit_list.approved_at)],
            wrap=True,
            number_formats={4: "0.00"},
        )
        return await asyncio.to_thread(workbook_bytes, [sheet])

    async def audit_log(self, t: Texts, *, as_csv: bool = False) -> tuple[bytes, int]:
        """Every audit entry: in local time in the XLSX; as CSV (/audit) the stored UTC time."""
        entries = await self._db.call(lambda r: r.audit.entries())
        if as_csv:
            rows = [
                (
                    e.id,
                    e.at,
                    e.actor_id or "",
                    e.action,
                    e.object_type or "",
                    e.object_id or "",
                    json.dumps(e.details, ensure_ascii=False),
                )
                for e in entries
            ]
            return csv_bytes(CSV_AUDIT_HEADER, rows), len(entries)
        header = [
            t.plain("xlsx_col", name=n)
            for n in ("id", "at", "actor_id", "action", "object_type", "object_id", "details")
        ]
        rows = [
            (
                e.id,
                self._local(e.at),
                e.actor_id,
                e.action,
                e.object_type,
                e.object_id,
                json.dumps(e.details, ensure_ascii=False),
            )
            for e in entries
        ]
        sheet = Sheet(t.plain("xlsx_sheet", name="audit"), header, rows)
        return await asyncio.to_thread(workbook_bytes, [sheet]), len(entries)

    def template(self, t: Texts, kind: TableKind) -> bytes:
        """An empty table of the kind: its header in the user's language; a second sheet explains each column."""
        columns = COLUMNS[kind]
        kinds = "; ".join(f"{code} / {kk[0]} / {ru[0]}" for code, (kk, ru) in CONTROL_KINDS.items())
        help_rows = [
            (
                c.header(t.lang),
                c.field,
                t.plain("xlsx_yes_no", value=c.required),
                t.plain("template_column_help", kind=kind.value, field=c.field, kinds=kinds),
            )
            for c in columns
        ]
        return workbook_bytes(
            [
                Sheet(t.plain("xlsx_sheet", name=kind.value), [c.header(t.lang) for c in columns], []),
                Sheet(
                    t.plain("xlsx_sheet", name="help"),
                    [t.plain("xlsx_col", name=n) for n in ("column", "field", "required", "allowed")],
                    help_rows,
                    wrap=True,
                ),
            ]
        )


def visit_list_csv(visit_list: VisitList) -> bytes:
    """The visit list as CSV: a line per entry, then a line per subject left out with the reason (item 10)."""
    common = (
        visit_list.year,
        visit_list.half,
        visit_list.deadline,
        visit_list.status,
        visit_list.approved_on,
        int(visit_list.late),
    )
    rows = [(e.position, e.bin, e.name, e.indicator, *common, "", "") for e in visit_list.entries]
    rows += [("", o.bin, o.name, o.indicator, *common, o.reason, o.detail) for o in visit_list.left_out]  # item 10
    return csv_bytes(CSV_VISIT_LIST_HEADER, rows)
