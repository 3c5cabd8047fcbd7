"""Property: the subject's indicator equals an independent computation from the catalogue, for any records."""

from datetime import date, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalogue import Severity, default_catalogue
from bot.scoring import Answer
from bot.scoring.subject import CriterionRecord, SheetAnswers, subject_indicator

CATALOGUE = default_catalogue()
ON = date(2026, 12, 1)
days = st.integers(min_value=0, max_value=800).map(lambda n: ON - timedelta(days=n))
answers = st.sampled_from([Answer.COMPLIES, Answer.VIOLATED])
sheet_strategy = st.builds(
    lambda i, d, a, na: SheetAnswers(
        i,
        d,
        {
            n: (Answer.NOT_APPLICABLE if n in na and CATALOGUE.criteria[n].conditional else a[n - 1])
            for n in range(1, 20)
        },
        order=i,
    ),
    st.integers(1, 10_000),
    days,
    st.lists(answers, min_size=19, max_size=19),
    st.sets(st.integers(1, 19)),
)
record_strategy = st.builds(
    lambda c, a, d, o: CriterionRecord(
        c, Answer.COMPLIES if a is Answer.NOT_APPLICABLE and not CATALOGUE.criteria[c].conditional else a, d, order=o
    ),  # "not applicable" only where the duty is conditional
    st.integers(20, 35),
    st.sampled_from(list(Answer)),
    days,
    st.integers(0, 1_000),
)


def by_hand(sheets, records):
    """Item 9 read directly: the 35 criteria, the latest sheet and records of the last 12 months."""
    start = date(ON.year - 1, ON.month, ON.day)
    state = {n: "complies" for n in range(1, 36)}
    recent = [s for s in sheets if start <= s.act_date <= ON]
    if recent:
        latest = sorted(recent, key=lambda s: (s.act_date, s.order))[-1]
        state.update({n: a.value for n, a in latest.answers.items()})
    for criterion in range(20, 36):
        mine = [r for r in records if r.criterion == criterion and start <= r.on <= ON]
        if mine:
            state[criterion] = sorted(mine, key=lambda r: (r.on, r.order))[-1].answer.value
    severity = {c.number: c.severity for c in CATALOGUE.criteria.values()}
    if any(v == "violated" and severity[n] is Severity.GROSS for n, v in state.items()):
        return Fraction(100)
    total = Fraction(0)
    for sev, coefficient in ((Severity.SIGNIFICANT, Fraction(7, 10)), (Severity.MINOR, Fraction(3, 10))):
        required = [n for n in state if severity[n] is sev and state[n] != "not_applicable"]
        found = [n for n in required if state[n] == "violated"]
        total += Fraction(100 * len(found), len(required)) * coefficient if required else 0
    return total


@settings(max_examples=300, deadline=None)
@given(
    st.lists(sheet_strategy, max_size=3, unique_by=lambda s: s.order),
    st.lists(record_strategy, max_size=20, unique_by=lambda r: r.order),
)
def test_the_subjects_indicator_equals_a_computation_by_hand_from_the_catalogue(sheets, records):
    assert subject_indicator(CATALOGUE, sheets, records, ON).result.indicator == by_hand(sheets, records)


@given(st.lists(record_strategy, max_size=20, unique_by=lambda r: r.order))
def test_recording_that_a_criterion_complies_never_changes_the_figure_of_a_subject_without_violations(records):
    complies = [CriterionRecord(r.criterion, Answer.COMPLIES, r.on, order=r.order) for r in records]
    assert subject_indicator(CATALOGUE, [], complies, ON).result.indicator == 0
