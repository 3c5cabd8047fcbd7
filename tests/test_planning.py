"""Chapter 4: half-year lists, their deadlines, the ranking, approval and the supervisors' reminders."""

from datetime import date
from decimal import Decimal

import pytest

from bot.planning import (
    Candidate,
    ListPeriod,
    lacking_objective,
    list_deadline,
    next_periods,
    rank_candidates,
    reminder_days_left,
)
from bot.services.assessment import AssessmentService
from bot.services.planning import PlanningService
from tests.conftest import add_user


@pytest.fixture(scope="module")
def constants():
    from bot.catalogue import default_catalogue

    return default_catalogue().constants


def test_deadlines_are_10_december_before_and_10_may(constants):
    assert list_deadline(2027, 1, constants) == date(2026, 12, 10)
    assert list_deadline(2027, 2, constants) == date(2027, 5, 10)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 25), [(2027, 1, date(2026, 12, 10)), (2027, 2, date(2027, 5, 10))]),
        (date(2026, 12, 10), [(2027, 1, date(2026, 12, 10)), (2027, 2, date(2027, 5, 10))]),
        (date(2026, 12, 11), [(2027, 2, date(2027, 5, 10)), (2028, 1, date(2027, 12, 10))]),
        (date(2027, 3, 1), [(2027, 2, date(2027, 5, 10)), (2028, 1, date(2027, 12, 10))]),
        (date(2027, 5, 11), [(2028, 1, date(2027, 12, 10)), (2028, 2, date(2028, 5, 10))]),
    ],
)
def test_next_periods(today, expected, constants):
    assert [(p.year, p.half, p.deadline) for p in next_periods(today, constants)] == expected


def test_reminders_14_7_3_1_days_before_and_on_the_day():
    deadline = date(2026, 12, 10)
    november = [date(2026, 11, d) for d in range(20, 31)]
    assert [(deadline - day).days for day in november if reminder_days_left(day, deadline) is not None] == [14]
    assert reminder_days_left(date(2026, 12, 3), deadline) == 7
    assert reminder_days_left(date(2026, 12, 9), deadline) == 1
    assert reminder_days_left(date(2026, 12, 10), deadline) == 0
    assert reminder_days_left(date(2026, 12, 8), deadline) is None


def candidate(n, indicator, last_visit=None, name=None, objective_high=True):
    return Candidate(
        n,
        f"{n:012d}",
        name or f"S{n}",
        Decimal(indicator),
        "high" if Decimal(indicator) > 70 else "not_high",
        last_visit,
        objective_high,
        (last_visit,) if last_visit else (),
    )


def test_ranking_high_risk_first_by_indicator_and_once_a_year(constants):
    period = ListPeriod(2027, 2, date(2027, 5, 10))
    ranked = rank_candidates(
        [
            candidate(1, "85.00", date(2026, 3, 1)),
            candidate(2, "100.00", date(2026, 9, 1)),
            candidate(3, "70.00", date(2026, 1, 1)),  # not high: left out
            candidate(4, "70.50", date(2025, 6, 1)),  # between 70 and 71: high (README reading 1)
            candidate(5, "100.00", date(2027, 2, 1)),  # visited in 2027 already: item 10 leaves it out
            candidate(6, "100.00", date(2025, 9, 1)),  # the same indicator, visited longer ago: first
            candidate(7, "100.00", date(2025, 9, 1), objective_high=False),  # chapter 2 item 4: not in the high group
        ],
        period,
        constants,
    )
    assert [c.subject_id for c in ranked] == [6, 2, 1, 4]


def test_high_indicator_without_objective_condition_is_reported_not_listed(constants):
    period = ListPeriod(2027, 1, date(2026, 12, 10))
    pool = [
        candidate(1, "100.00", objective_high=False),
        candidate(2, "60.00", objective_high=False),
        candidate(3, "90.00"),
    ]
    assert [c.subject_id for c in rank_candidates(pool, period, constants)] == [3]
    assert [c.subject_id for c in lacking_objective(pool, period, constants)] == [1]


@pytest.fixture
async def planning(db, catalogue):
    clock = {"today": date(2026, 11, 26)}
    today = lambda: clock["today"]  # noqa: E731
    service = PlanningService(db, catalogue, today=today, assessment=AssessmentService(db, catalogue, today=today))
    service.clock = clock
    return service


SIGNIFICANT_20_35 = (21, 24, 25, 27, 28, 29, 34)
MINOR_20_35 = (22, 30, 31)


async def seed(db):
    """Subject 1: a gross finding (100); 2: one significant finding (1/15*70 = 4.67); 3: all seven significant
    and three minor criteria of 20-35 violated (7/15*70 + 3/5*30 = 32.67 + 18 = 50.67)."""
    await add_user(db, 1, role="inspector")
    violated = {1: (20,), 2: (21,), 3: SIGNIFICANT_20_35 + MINOR_20_35}

    def subject(r, n):
        subject_id = r.subjects.upsert(f"{n:012d}", f"Субъект {n}", "BIN", None)
        for criterion in violated[n]:
            severity = "gross" if criterion == 20 else "minor" if criterion in MINOR_20_35 else "significant"
            r.findings.add_finding(subject_id, criterion, severity, "violated", date(2026, 11, 1), 1)
        # Chapter 2 item 4, condition 2: a complaint reached the authorised body.
        r.findings.add_objective(subject_id, 2, True, date(2026, 11, 1), 1)

    for n in (1, 2, 3):
        await db.run(subject, n)


async def test_draft_list_ranks_latest_indicators_and_approval_freezes_it(db, planning):
    await seed(db)
    supervisor = await add_user(db, 7, role="supervisor")
    head = await add_user(db, 6, role="head")
    period = planning.periods()[0]
    assert (period.year, period.half) == (2027, 1)
    draft = await planning.current(period, supervisor)
    assert [(e.name, e.indicator) for e in draft.entries] == [("Субъект 1", "100.00")]
    approved = await planning.approve(head, 2027, 1)
    assert approved.approved and approved.approved_by == 6 and not approved.late
    assert await planning.approve(head, 2027, 1) is None  # once
    # A later, higher-risk subject does not change an approved list.

    def later(r):
        subject_id = r.subjects.upsert("000000000009", "Субъект 9", "BIN", None)
        r.findings.add_finding(subject_id, 20, "gross", "violated", date(2026, 11, 20), 7)

    await db.run(later)
    assert len((await planning.current(period, supervisor)).entries) == 1
    audit = await db.fetch_all("SELECT action, object_id FROM audit_log WHERE action = 'visit_list.approve'")
    assert [(r["action"], r["object_id"]) for r in audit] == [("visit_list.approve", "2027-H1")]


async def test_reminders_go_to_supervisors_and_admins_once_until_approved(db, planning):
    await seed(db)
    await add_user(db, 7, role="supervisor")
    await add_user(db, 8, role="admin")
    planning.clock["today"] = date(2026, 12, 3)  # 7 days before 10 December
    due = await planning.due_reminders()
    assert sorted((r.user.telegram_id, r.days_left, r.period.half) for r in due) == [(7, 7, 1), (8, 7, 1)]
    # The outbox key makes each go out once: the same person, list and day-count give the same key.
    assert sorted(r.key for r in due) == ["visit_list:2027-H1:d7:7", "visit_list:2027-H1:d7:8"]
    assert [r.state.status for r in due] == [None, None]  # neither list is made yet
    await planning.mute(await db.read(lambda r: r.users.get(7)), True)
    assert [r.user.telegram_id for r in await planning.due_reminders()] == [8]  # muted: left out
    head = await add_user(db, 9, role="head")
    await planning.current(planning.periods()[0], head)
    await planning.approve(head, 2027, 1)
    planning.clock["today"] = date(2026, 12, 9)  # 1 day left, but the list is approved
    assert await planning.due_reminders() == []


async def test_findings_of_other_sources_raise_the_indicator_used_for_the_list(db, planning):
    await seed(db)
    supervisor = await add_user(db, 7, role="supervisor")
    # Subject 2 (4.67) gets a gross finding: criterion 20.
    await db.run(lambda r: r.findings.add_finding(2, 20, "gross", "violated", date(2026, 11, 20), 7))
    draft = await planning.current(planning.periods()[0], supervisor)
    assert [(e.name, e.indicator) for e in draft.entries] == [("Субъект 1", "100.00"), ("Субъект 2", "100.00")]
