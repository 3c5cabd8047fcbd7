"""Set-based counts behind /stats: violations by criterion, visits by month and region, progress of the
approved half-year lists. Time bounds come in as stored UTC strings (the service turns local days into
them), so a month is the bot's local month whatever the time zone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.db.repository import Repository, literal
from bot.statuses import InspectionStatus, VisitListStatus

# (key, lower bound inclusive, upper bound exclusive) in stored UTC text; the key is echoed back
Bound = tuple[str, str, str]


def _bounds_cte(bounds: Sequence[Bound]) -> tuple[str, list[str]]:
    values = ", ".join("(?, ?, ?)" for _ in bounds)
    return f"bounds (k, lo, hi) AS (VALUES {values})", [v for b in bounds for v in b]


@dataclass(frozen=True, slots=True)
class ApprovedList:
    id: int
    year: int
    half: int


_FINALIZED, _APPROVED = literal(InspectionStatus.FINALIZED), literal(VisitListStatus.APPROVED)  # see literal()
_FIRST_VISITS = (
    "firsts AS (SELECT s.region, (SELECT min(i.finalized_at) FROM inspections i WHERE i.subject_id = e.subject_id"
    " AND i.status = " + _FINALIZED + " AND i.finalized_at >= ? AND i.finalized_at < ?) AS first"
    " FROM visit_list_entries e JOIN subjects s ON s.id = e.subject_id WHERE e.list_id = ?)"
)


class StatsRepository(Repository):
    __slots__ = ()

    def violations_by_criterion(
        self,
        start_utc: str,
        end_utc: str,
        first_day: str,
        after_last_day: str,
    ) -> dict[int, tuple[int, int]]:
        """criterion -> (violations on check sheets finalized in [start, end), violated findings found on a day
        in [first_day, after_last_day))."""
        rows = self._all(
            "SELECT criterion, sum(sheet) AS sheets, sum(1 - sheet) AS findings FROM ("
            " SELECT a.criterion, 1 AS sheet FROM answers a JOIN inspections i ON i.id = a.inspection_id"
            "  WHERE i.status = " + _FINALIZED + " AND i.finalized_at >= ? AND i.finalized_at < ?"
            " AND a.answer = 'violated'"
            " UNION ALL"
            " SELECT criterion, 0 FROM findings WHERE answer = 'violated' AND found_on >= ? AND found_on < ?"
            ") GROUP BY criterion",
            (start_utc, end_utc, first_day, after_last_day),
        )
        return {r["criterion"]: (r["sheets"], r["findings"]) for r in rows}

    def visits_by_bound(self, bounds: Sequence[Bound]) -> dict[str, int]:
        """Finalized check sheets within each bound (months), by the bound's key."""
        if not bounds:
            return {}
        cte, params = _bounds_cte(bounds)
        rows = self._all(
            f"WITH {cte} SELECT b.k, count(i.id) AS n FROM bounds b LEFT JOIN inspections i"
            " ON i.status = " + _FINALIZED + " AND i.finalized_at >= b.lo AND i.finalized_at < b.hi GROUP BY b.k",
            params,
        )
        return {r["k"]: r["n"] for r in rows}

    def visits_by_region(self, start_utc: str, end_utc: str) -> dict[str | None, int]:
        rows = self._all(
            "SELECT s.region, count(*) AS n FROM inspections i JOIN subjects s ON s.id = i.subject_id"
            " WHERE i.status = " + _FINALIZED + " AND i.finalized_at >= ? AND i.finalized_at < ? GROUP BY s.region",
            (start_utc, end_utc),
        )
        return {r["region"]: r["n"] for r in rows}

    def approved_lists(self, halves: Sequence[tuple[int, int]]) -> list[ApprovedList]:
        if not halves:
            return []
        first, last = min(halves), max(halves)
        rows = self._all(
            "SELECT id, year, half FROM visit_lists WHERE status = "
            + _APPROVED
            + " AND year * 2 + half BETWEEN ? AND ? ORDER BY year, half",
            (first[0] * 2 + first[1], last[0] * 2 + last[1]),
        )
        return [ApprovedList(r["id"], r["year"], r["half"]) for r in rows]

    def list_progress(
        self,
        list_id: int,
        start_utc: str,
        end_utc: str,
        months: Sequence[Bound],
    ) -> tuple[int, dict[str, int], dict[str | None, tuple[int, int]]]:
        """An approved list: its size, its subjects by the month of their first visit in [start, end), and per
        region (subjects listed, subjects visited)."""
        by_region = self._all(
            f"WITH {_FIRST_VISITS} SELECT region, count(*) AS planned, count(first) AS visited FROM firsts"
            " GROUP BY region",
            (start_utc, end_utc, list_id),
        )
        by_month: dict[str, int] = {}
        if months:
            cte, params = _bounds_cte(months)
            rows = self._all(
                f"WITH {cte}, {_FIRST_VISITS} SELECT b.k, count(f.first) AS n FROM bounds b"
                " LEFT JOIN firsts f ON f.first >= b.lo AND f.first < b.hi GROUP BY b.k",
                (*params, start_utc, end_utc, list_id),
            )
            by_month = {r["k"]: r["n"] for r in rows}
        regions = {r["region"]: (r["planned"], r["visited"]) for r in by_region}
        return sum(p for p, _ in regions.values()), by_month, regions
