"""/stats: a picture of a period for supervisors, admins and the head.

Each subject's indicator and class come from :class:`PlanningService` (the same figures as the visit
lists and the /bin card), never recomputed here; the counts come from set-based queries of
:mod:`bot.db.stats`; :mod:`bot.stats` computes the figures; the charts are drawn in a worker process
(:mod:`bot.charts`); the XLSX goes through the one writer.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.catalogue import Catalogue
from bot.charts.draw import draw_all  # matplotlib is imported in the worker only
from bot.charts.spec import ChartSpec, Histogram, PlanAndDone, Ranking
from bot.db.database import Database
from bot.db.repos import Repos
from bot.db.stats import Bound
from bot.services.planning import PlanningService
from bot.stats import (
    ListProgress,
    Month,
    Period,
    PeriodProblem,
    StatsFigures,
    indicator_bins,
    monthly,
    parse_period,
    regional,
    top_criteria,
)
from bot.stats.figures import half_bounds
from bot.tables.writer import Sheet, workbook_bytes
from bot.texts import Texts
from bot.workers import WorkerPool

CHART_LABEL_CHARS = 45  # a criterion's text beside its bar; the XLSX has it whole
CAPTION_TEXT_CHARS = 300  # a caption holds 1024 characters
REGIONS_DRAWN = 20  # Kazakhstan's 17 regions and 3 cities of republican significance; the XLSX has every one


def _key(month: Month) -> str:
    return f"{month.year}-{month.month:02d}"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class StatsReport:
    figures: StatsFigures
    photos: list[tuple[bytes, str]]  # PNG and its caption (HTML)
    workbook: bytes
    file_name: str


class StatsService:
    def __init__(
        self, db: Database, catalogue: Catalogue, planning: PlanningService, timezone: ZoneInfo, charts: WorkerPool
    ) -> None:
        self._db = db
        self._catalogue = catalogue
        self._planning = planning
        self._tz = timezone
        self._charts = charts

    def period(self, text: str | None) -> Period | PeriodProblem:
        return parse_period(text, self._planning.today())

    def today(self) -> date:
        return self._planning.today()

    def _utc(self, day: date) -> str:
        """Local midnight of a day as a stored (ISO UTC) time."""
        return datetime(day.year, day.month, day.day, tzinfo=self._tz).astimezone(UTC).isoformat(timespec="seconds")

    def _month_bounds(self, months: list[Month], start: date, end: date) -> list[Bound]:
        return [
            (_key(m), self._utc(max(m.first, start)), self._utc(min(m.next.first, end)))
            for m in months
            if m.first < end and m.next.first > start
        ]

    async def figures(self, period: Period) -> StatsFigures:
        constants = self._catalogue.constants
        candidates = await self._planning.candidates()
        bins = indicator_bins(
            ((c.indicator, c.risk_class == "high") for c in candidates),
            constants.not_high_to,
            top=constants.high_risk_to,
        )
        start_utc, end_utc = self._utc(period.start), self._utc(period.end)
        months = period.months()
        by_key = {_key(m): m for m in months}

        def read(r: Repos) -> tuple:
            """Every count of the period in one call on aiosqlite's thread (they scan)."""
            counts = r.stats.violations_by_criterion(
                start_utc, end_utc, period.start.isoformat(), period.end.isoformat()
            )
            visits = r.stats.visits_by_bound(self._month_bounds(months, period.start, period.end))
            lists = []
            for approved in r.stats.approved_lists(period.halves()):
                first, after = period.clip(*half_bounds(approved.year, approved.half))
                planned, first_visits, by_region = r.stats.list_progress(
                    approved.id, self._utc(first), self._utc(after), self._month_bounds(months, first, after)
                )
                lists.append(
                    ListProgress(
                        approved.year,
                        approved.half,
                        planned,
                        {by_key[k]: n for k, n in first_visits.items()},
                        by_region,
                    )
                )
            return counts, visits, lists, r.stats.visits_by_region(start_utc, end_utc)

        counts, visits, lists, regions = await self._db.call(read)
        return StatsFigures(
            period,
            bins,
            top_criteria(counts),
            monthly(period, {by_key[k]: n for k, n in visits.items()}, lists),
            regional(regions, lists),
            lists,
        )

    async def report(self, t: Texts, period: Period) -> StatsReport | None:
        """The charts with their captions and the XLSX of their figures; None when there is nothing to show."""
        figures = await self.figures(period)
        if figures.empty:
            return None
        specs, captions = self._charts_of(t, figures)
        pictures = await self._charts.run(draw_all, specs)  # in the chart worker
        workbook = await asyncio.to_thread(workbook_bytes, self._sheets(t, figures))
        name = f"stats-{period.start.isoformat()}-{period.last.isoformat()}.xlsx"
        return StatsReport(figures, list(zip(pictures, captions, strict=True)), workbook, name)

    def _criterion_text(self, t: Texts, number: int) -> str:
        criterion = self._catalogue.criteria.get(number)
        return criterion.text(t.lang) if criterion else ""

    def _region(self, t: Texts, region: str | None) -> str:
        return region if region else t.plain("stats_label", name="no_region")

    def _charts_of(self, t: Texts, f: StatsFigures) -> tuple[list[ChartSpec], list[str]]:
        label = lambda name: t.plain("stats_label", name=name)  # noqa: E731
        specs: list[ChartSpec] = []
        captions: list[str] = []
        b = f.indicators
        if b.total:
            specs.append(
                Histogram(
                    label("indicators"),
                    label("indicator"),
                    label("subjects"),
                    b.edges,
                    b.counts,
                    b.line,
                    t.plain("stats_line", line=b.line),
                )
            )
            captions.append(t("stats_caption_indicators", b=b))
        if f.criteria:
            top = f.top
            names = tuple(
                f"{c.criterion}. {_short(self._criterion_text(t, c.criterion), CHART_LABEL_CHARS)}" for c in top
            )
            specs.append(Ranking(label("criteria"), label("violations"), names, tuple(c.total for c in top)))
            first = top[0]
            captions.append(
                t(
                    "stats_caption_criteria",
                    p=f.period,
                    first=first,
                    total=f.violations,
                    text=_short(self._criterion_text(t, first.criterion), CAPTION_TEXT_CHARS),
                )
            )
        if f.has_visits:
            legend = (label("visits"), label("done"), label("plan"), label("running"))
            specs.append(
                PlanAndDone(
                    label("months"),
                    label("count"),
                    tuple(f"{m.month.month:02d}.{m.month.year}" for m in f.months),
                    tuple(m.visits for m in f.months),
                    tuple(m.listed for m in f.months),
                    tuple(m.plan for m in f.months),
                    legend,
                    running=tuple(m.cumulative if m.plan is not None else None for m in f.months),
                )
            )
            captions.append(t("stats_caption_months", p=f.period, f=f))
            regions = f.regions[:REGIONS_DRAWN]
            specs.append(
                PlanAndDone(
                    label("regions"),
                    label("count"),
                    tuple(self._region(t, r.region) for r in regions),
                    tuple(r.visits for r in regions),
                    tuple(r.done for r in regions),
                    tuple(r.plan for r in regions),
                    legend,
                    horizontal=True,
                )
            )
            best = max((r for r in f.regions if r.plan), key=lambda r: (r.done / r.plan, r.plan), default=None)
            worst = min((r for r in f.regions if r.plan), key=lambda r: (r.done / r.plan, -r.plan), default=None)
            captions.append(
                t(
                    "stats_caption_regions",
                    count=len(f.regions),
                    best=best,
                    best_name=self._region(t, best.region) if best else "",
                    worst=worst,
                    worst_name=self._region(t, worst.region) if worst else "",
                )
            )
        return specs, captions

    def _sheets(self, t: Texts, f: StatsFigures) -> list[Sheet]:
        label = lambda name: t.plain("stats_label", name=name)  # noqa: E731
        labels = lambda *names: [label(n) for n in names]  # noqa: E731
        heading = [t.plain("stats_heading", p=f.period)]
        b = f.indicators
        lower = [f"{a}–{z}" for a, z in zip(b.edges, b.edges[1:], strict=False)]
        return [
            Sheet(
                label("sheet_indicators"),
                labels("bin", "from", "to", "subjects"),
                [(text, a, z, n) for text, a, z, n in zip(lower, b.edges, b.edges[1:], b.counts, strict=False)],
                heading=[t.plain("stats_heading_today", today=self.today())],
                footer=[t.plain("stats_caption_indicators", b=b)],
            ),
            Sheet(
                label("sheet_criteria"),
                labels("criterion", "text", "from_sheets", "from_findings", "violations"),
                [
                    (c.criterion, self._criterion_text(t, c.criterion), c.from_sheets, c.from_findings, c.total)
                    for c in f.criteria
                ],
                heading=heading,
            ),
            Sheet(
                label("sheet_months"),
                labels("month", "plan", "done", "running", "visits"),
                [
                    (m.month.first, m.plan, m.listed, m.cumulative if m.plan is not None else None, m.visits)
                    for m in f.months
                ],
                heading=heading,
            ),
            Sheet(
                label("sheet_regions"),
                labels("region", "plan", "done", "visits"),
                [(self._region(t, r.region), r.plan, r.done, r.visits) for r in f.regions],
                heading=heading,
            ),
        ]
