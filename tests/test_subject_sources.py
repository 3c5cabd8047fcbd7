"""Pure tests of the subject's sources: the assessment period and the windows of the objective conditions."""

from datetime import date

from bot.scoring import Answer
from bot.scoring.subject import (
    CriterionRecord,
    ObjectiveFact,
    SheetAnswers,
    months_before,
    objective_conditions,
    objective_group_high,
    subject_indicator,
)

LIST_DAY = date(2026, 12, 10)  # the first-half list of 2027 is approved by 10 December 2026


def test_months_before_keeps_the_day_or_the_month_end():
    assert months_before(date(2026, 12, 10), 6) == date(2026, 6, 10)
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_before(date(2024, 8, 31), 6) == date(2024, 2, 29)
    assert months_before(date(2027, 1, 15), 12) == date(2026, 1, 15)


def test_a_complaint_counts_from_six_months_before_the_approval_day_on(catalogue):
    def group(day):
        return objective_group_high(objective_conditions(catalogue, [ObjectiveFact(2, True, day)], LIST_DAY))

    assert group(date(2026, 6, 10))  # exactly six months before: inside
    assert not group(date(2026, 6, 9))  # a day older: outside
    assert group(LIST_DAY)
    assert not group(date(2026, 12, 11))  # after the approval day: does not count for this list


def test_a_year_window_for_conditions_3_to_5_and_the_count_of_checks(catalogue):
    def met(condition, day, value=None):
        facts = [ObjectiveFact(condition, True, day, value)]
        return objective_conditions(catalogue, facts, LIST_DAY)[condition].met

    assert met(3, date(2025, 12, 10)) and not met(3, date(2025, 12, 9))
    assert met(4, date(2026, 3, 1))
    assert met(5, date(2026, 3, 1), 3) and not met(5, date(2026, 3, 1), 2)  # three or more checks
    assert met(1, date(2026, 11, 30), 1001) and not met(1, date(2026, 11, 30), 1000)  # more than a thousand


def test_condition_6_follows_the_latest_internal_control_report_and_a_same_day_entry_corrects(catalogue):
    refusals = ObjectiveFact(6, True, date(2025, 1, 10), order=1)
    clean = ObjectiveFact(6, False, date(2026, 10, 10), order=2)
    assert objective_conditions(catalogue, [refusals], LIST_DAY)[6].met  # old, but the latest report
    assert not objective_conditions(catalogue, [refusals, clean], LIST_DAY)[6].met
    corrected = ObjectiveFact(2, False, date(2026, 11, 1), order=4)
    assert not objective_conditions(
        catalogue, [ObjectiveFact(2, True, date(2026, 11, 1), order=3), corrected], LIST_DAY
    )[2].met


def test_the_latest_sheet_in_the_period_speaks_for_items_1_to_19(catalogue):
    old = SheetAnswers(1, date(2025, 10, 1), {n: Answer.VIOLATED if n == 9 else Answer.COMPLIES for n in range(1, 20)})
    new = SheetAnswers(2, date(2026, 10, 1), {n: Answer.COMPLIES for n in range(1, 20)}, order=1)
    assert subject_indicator(catalogue, [old], [], LIST_DAY).result.indicator == 0  # older than 12 months
    assert subject_indicator(catalogue, [old], [], date(2026, 9, 1)).result.indicator == 100
    assert subject_indicator(catalogue, [old, new], [], date(2026, 10, 2)).result.indicator == 0  # the later


def test_a_later_complies_record_replaces_an_earlier_violation_of_the_same_criterion(catalogue):
    records = [
        CriterionRecord(21, Answer.VIOLATED, date(2026, 5, 1)),
        CriterionRecord(21, Answer.COMPLIES, date(2026, 9, 1)),
    ]
    indicator = subject_indicator(catalogue, [], records, LIST_DAY)
    assert indicator.result.indicator == 0 and indicator.violations() == []
