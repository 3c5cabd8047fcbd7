"""Every subject at once equals every subject alone: all_risks (set queries, /plan and the registry) against
subject_risk and the /bin card (one subject's reads), on seeded random databases with the awkward cases: ties
on an act date or a finding's date, sheets without an act date, same-day corrections, facts after the approval
day, old facts, condition 6's latest report."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.db.clock import utc_now
from bot.scoring.engine import display
from bot.services.assessment import AssessmentService
from bot.services.exports import ExportService
from bot.texts import texts
from bot.validation import control_digit
from tests.conftest import add_user

TODAY = date(2026, 11, 25)
SUBJECTS = 60


def numbers(count: int) -> list[str]:
    found, n = [], 0
    while len(found) < count:
        first = f"99035{n:06d}"
        if (digit := control_digit(first)) is not None:
            found.append(first + str(digit))
        n += 1
    return found


async def fill(db, catalogue, seed: int) -> list[str]:
    rng = random.Random(seed)
    await add_user(db, 7, "inspector")
    now = utc_now()
    bins = numbers(SUBJECTS)
    day = lambda: TODAY - timedelta(days=rng.randrange(-20, 800))  # noqa: E731 - some after the approval day
    async with db.transaction() as tx:
        for index, number in enumerate(bins, start=1):
            await tx.execute(
                "INSERT INTO subjects (id, bin, name, kind, created_at, updated_at) VALUES (?, ?, ?, 'BIN', ?, ?)",
                (index, number, f"Субъект {index}", now, now),
            )
        sheet_id = 0
        for subject_id in range(1, SUBJECTS + 1):
            if subject_id % 7 == 0:
                continue  # never recorded: not among all_risks
            act_dates = [day() for _ in range(rng.randrange(0, 4))]
            if act_dates and rng.random() < 0.3:
                act_dates.append(act_dates[0])  # two sheets with one act date: the later finish wins
            for act in act_dates:
                sheet_id += 1
                finished = f"2026-{rng.randrange(1, 12):02d}-{rng.randrange(1, 28):02d}T10:00:00+00:00"
                act_text = None if rng.random() < 0.1 else act.strftime("%d.%m.%Y")
                await tx.execute(
                    "INSERT INTO inspections (id, inspector_id, subject_id, status, catalogue_version, language, step,"
                    " act_date, created_at, updated_at, finalized_at) VALUES (?, 7, ?, 'finalized', ?, 'ru', 'done',"
                    " ?, ?, ?, ?)",
                    (sheet_id, subject_id, catalogue.version, act_text, now, now, finished),
                )
                for requirement in catalogue.checklist:
                    roll = rng.random()
                    answer = "violated" if roll < 0.1 else "not_applicable" if roll > 0.93 else "complies"
                    await tx.execute(
                        "INSERT INTO answers (inspection_id, item, criterion, severity, answer, comment, answered_by,"
                        " answered_at) VALUES (?, ?, ?, ?, ?, ?, 7, ?)",
                        (
                            sheet_id,
                            requirement.number,
                            requirement.criterion,
                            requirement.severity.value,
                            answer,
                            f"замечание {sheet_id}" if answer == "violated" else None,
                            now,
                        ),
                    )
            for _ in range(rng.randrange(0, 6)):
                criterion = rng.randrange(20, 36)
                found_on = day()
                for _ in range(1 + (rng.random() < 0.2)):  # a same-day correction now and then
                    await tx.execute(
                        "INSERT INTO findings (subject_id, criterion, severity, answer, found_on, source_note,"
                        " recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, 7, ?)",
                        (
                            subject_id,
                            criterion,
                            catalogue.criteria[criterion].severity.value,
                            rng.choice(["violated", "complies"]),
                            found_on.isoformat(),
                            f"жалоба {rng.randrange(99)}",
                            now,
                        ),
                    )
            for _ in range(rng.randrange(0, 6)):
                condition = rng.randrange(1, 7)
                occurred = day()
                for _ in range(1 + (rng.random() < 0.2)):
                    value = (
                        rng.randrange(0, 2000) if condition == 1 else rng.randrange(0, 5) if condition == 5 else None
                    )
                    minimum = catalogue.objective[condition - 1].value_min
                    met = value >= minimum if minimum is not None else rng.random() < 0.6
                    await tx.execute(
                        "INSERT INTO objective_records (subject_id, condition, met, occurred_on, value, source_note,"
                        " recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, 'отчёт', 7, ?)",
                        (subject_id, condition, int(met), occurred.isoformat(), value, now),
                    )
    return bins


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_every_subject_ranked_at_once_has_the_figures_of_its_own_card(db, catalogue, seed):
    bins = await fill(db, catalogue, seed)
    assessment = AssessmentService(db, catalogue, today=lambda: TODAY)
    recorded = {
        r[0]
        for r in await db.fetch_all(
            "SELECT subject_id FROM inspections UNION SELECT subject_id FROM findings"
            " UNION SELECT subject_id FROM objective_records"
        )
    }
    for on, objective_on in ((TODAY, date(2026, 12, 10)), (date(2026, 5, 10), None), (date(2027, 5, 10), None)):
        risks = await assessment.all_risks(on=on, objective_on=objective_on)
        lean = await assessment.all_risks(on=on, objective_on=objective_on, full_basis=False)
        assert set(risks) == set(lean) == recorded
        for subject_id in sorted(recorded):
            alone = await assessment.subject_risk(subject_id, on=on, objective_on=objective_on)
            assert risks[subject_id] == alone, subject_id
            indicator, conditions = lean[subject_id]
            assert indicator.result == alone[0].result
            assert {n: s.met for n, s in conditions.items()} == {n: s.met for n, s in alone[1].items()}
            assert indicator.violations() == alone[0].violations()
        # The data is not trivial: there is something to get wrong.
        assert any(i.result.gross_rule_fired for i, _ in risks.values())
        assert any(not i.result.gross_rule_fired and i.result.indicator > 0 for i, _ in risks.values())
        assert any(any(s.met for s in c.values()) for _, c in risks.values())
        assert any(i.sheet is not None for i, _ in risks.values())

    # The /bin card (today, the nearest list's approval date) says what the registry export says, line by line.
    cards = {number: await assessment.of_bin(number) for number in bins}
    exports = ExportService(db, catalogue, assessment, ZoneInfo("Asia/Almaty"))
    data, rows = await exports.registry(texts("ru"))
    assert rows == SUBJECTS
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    lines = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    t = texts("ru")
    for number, card in cards.items():
        line = lines[number]
        if card.history or card.objective or card.findings:
            assert line[5] == float(display(card.risk.result.indicator)), number
            assert line[6] == t.plain("xlsx_risk_class", value=card.risk.result.risk_class.value)
            assert line[7] == t.plain("xlsx_yes_no", value=card.risk.objective_high)
            assert line[8] == (", ".join(map(str, card.objective_met)) or None)
        else:
            assert line[5:] == (None,) * 5
