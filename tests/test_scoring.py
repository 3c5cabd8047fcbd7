"""Chapter 3 item 9 of Annex 1, case by case and as properties."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.catalogue import Severity, default_catalogue
from bot.scoring import Answer, Evaluation, RiskClass, assess, classify, evaluations_for_checklist, objective_high

CATALOGUE = default_catalogue()
CONSTANTS = CATALOGUE.constants
C, V, N = Answer.COMPLIES, Answer.VIOLATED, Answer.NOT_APPLICABLE
SIGNIFICANT_ITEMS = [1, 2, 3, 5, 7, 8, 10, 18]
MINOR_ITEMS = [4, 6]
GROSS_ITEMS = [9, 11, 12, 13, 14, 15, 16, 17, 19]


def checklist(violated=(), not_applicable=()):
    answers = {n: V if n in violated else N if n in not_applicable else C for n in range(1, 20)}
    return assess(evaluations_for_checklist(CATALOGUE, answers), CONSTANTS)


# Each expected value computed by hand from SPз = (SP2·100/SP1)·0.7, SPн = (SP2·100/SP1)·0.3.
@pytest.mark.parametrize(
    ("violated", "not_applicable", "sp_z", "sp_n", "sp", "risk_class"),
    [
        ((), (), 0, 0, 0, RiskClass.NOT_HIGH),
        ((1,), (), Fraction(35, 4), 0, Fraction(35, 4), RiskClass.NOT_HIGH),  # 1·100/8·0.7 = 8.75
        (tuple(SIGNIFICANT_ITEMS), (), 70, 0, 70, RiskClass.NOT_HIGH),  # 8·100/8·0.7 = 70.0
        ((*SIGNIFICANT_ITEMS, 4), (), 70, 15, 85, RiskClass.HIGH),  # 70 + 1·100/2·0.3 = 85.0
        ((4, 6), (), 0, 30, 30, RiskClass.NOT_HIGH),  # 2·100/2·0.3 = 30
        ((1, 2, 3), (), Fraction(105, 4), 0, Fraction(105, 4), RiskClass.NOT_HIGH),  # 3·100/8·0.7 = 26.25
        ((1,), (2, 3, 5), Fraction(14), 0, Fraction(14), RiskClass.NOT_HIGH),  # SP1 = 5: 1·100/5·0.7 = 14
        ((4,), (6,), 0, 30, 30, RiskClass.NOT_HIGH),  # SP1 = 1: 1·100/1·0.3 = 30
        ((1,), tuple(MINOR_ITEMS), Fraction(35, 4), 0, Fraction(35, 4), RiskClass.NOT_HIGH),  # minor SP1 = 0 adds 0
        (tuple(SIGNIFICANT_ITEMS[:7]), (18,), 70, 0, 70, RiskClass.NOT_HIGH),  # 7 of 7
    ],
)
def test_hand_computed_cases(violated, not_applicable, sp_z, sp_n, sp, risk_class):
    result = checklist(violated, not_applicable)
    assert result.sp_significant == sp_z
    assert result.sp_minor == sp_n
    assert result.indicator == sp
    assert result.risk_class is risk_class
    assert not result.gross_rule_fired


def test_sp1_and_sp2_are_reported_per_severity():
    result = checklist(violated=(1, 2, 4), not_applicable=(3,))
    assert (result.significant.required, result.significant.found) == (7, 2)
    assert (result.minor.required, result.minor.found) == (2, 1)
    assert result.violations == (1, 2, 4)
    assert result.significant_violations == (1, 2) and result.minor_violations == (4,)


def test_one_gross_violation_makes_100_whatever_else():
    result = checklist(violated=(9,))
    assert result.gross_rule_fired and result.indicator == 100 and result.risk_class is RiskClass.HIGH
    assert result.gross_violations == (9,)
    # The tallies of the other severities are still reported.
    result = checklist(violated=(13, 1))
    assert result.indicator == 100 and result.significant.found == 1


def test_all_not_applicable_is_zero_not_a_division_error():
    result = checklist(not_applicable=range(1, 20))
    assert result.indicator == 0 and result.significant.required == 0 and result.minor.required == 0


def test_between_70_and_71_is_high():
    # Reading of the order: not-high is 0..70 inclusive, so 70.5 is high (see README).
    assert classify(Fraction(141, 2), CONSTANTS) is RiskClass.HIGH
    assert classify(Fraction(70), CONSTANTS) is RiskClass.NOT_HIGH
    assert classify(Fraction(7001, 100), CONSTANTS) is RiskClass.HIGH
    # Reached for real over criteria 1-35: 9 of 10 significant, 1 of 4 minor => 63 + 7.5 = 70.5.
    significant = [n for n, c in CATALOGUE.criteria.items() if c.severity is Severity.SIGNIFICANT][:10]
    minor = [n for n, c in CATALOGUE.criteria.items() if c.severity is Severity.MINOR][:4]
    evaluations = [Evaluation(n, Severity.SIGNIFICANT, V if i < 9 else C) for i, n in enumerate(significant)]
    evaluations += [Evaluation(n, Severity.MINOR, V if i < 1 else C) for i, n in enumerate(minor)]
    result = assess(evaluations, CONSTANTS)
    assert result.indicator == Fraction(141, 2) and result.risk_class is RiskClass.HIGH


def test_a_criterion_evaluated_twice_is_refused():
    with pytest.raises(ValueError, match="once"):
        assess([Evaluation(1, Severity.SIGNIFICANT, C), Evaluation(1, Severity.SIGNIFICANT, V)], CONSTANTS)


def test_objective_rule_any_condition_puts_in_high_group():
    assert objective_high({1: False, 2: False, 3: False, 4: False, 5: False, 6: False}) is False
    for number in range(1, 7):
        assert objective_high({n: n == number for n in range(1, 7)}) is True


# --- properties over all 35 criteria --------------------------------------------------------------------

answers_35 = st.fixed_dictionaries({n: st.sampled_from([C, V, N]) for n in range(1, 36)})


def evaluate(answers):
    return assess([Evaluation(n, CATALOGUE.criteria[n].severity, a) for n, a in answers.items()], CONSTANTS)


@given(answers_35)
def test_indicator_is_between_0_and_100(answers):
    assert 0 <= evaluate(answers).indicator <= 100


@given(answers_35, st.integers(min_value=1, max_value=35))
def test_one_more_violation_never_lowers_the_indicator(answers, number):
    if answers[number] is V:
        return
    worse = dict(answers) | {number: V}
    assert evaluate(worse).indicator >= evaluate(answers).indicator


@given(st.fixed_dictionaries({n: st.sampled_from([C, N]) for n in range(1, 36)}))
def test_no_violation_means_zero(answers):
    result = evaluate(answers)
    assert result.indicator == 0 and result.risk_class is RiskClass.NOT_HIGH


@given(answers_35, st.sampled_from([n for n, c in CATALOGUE.criteria.items() if c.severity is Severity.GROSS]))
def test_any_gross_violation_means_100(answers, gross_number):
    result = evaluate(dict(answers) | {gross_number: V})
    assert result.indicator == 100 and result.gross_rule_fired and result.risk_class is RiskClass.HIGH


@given(answers_35)
def test_class_follows_the_indicator(answers):
    result = evaluate(answers)
    assert (result.risk_class is RiskClass.HIGH) == (result.indicator > 70)
