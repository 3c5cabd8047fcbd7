"""The catalogue in data/ holds what the order says: counts, severities, groups, mapping."""

from pathlib import Path

import pytest

from bot.catalogue import CatalogueError, Severity, default_catalogue, load_catalogue, parse_catalogue

GROSS, SIGNIFICANT, MINOR = Severity.GROSS, Severity.SIGNIFICANT, Severity.MINOR

# Read off the appendix to Annex 1 of the order, criterion by criterion.
ORDER_SEVERITIES = {
    1: SIGNIFICANT,
    2: SIGNIFICANT,
    3: SIGNIFICANT,
    4: MINOR,
    5: SIGNIFICANT,
    6: MINOR,
    7: SIGNIFICANT,
    8: SIGNIFICANT,
    9: GROSS,
    10: SIGNIFICANT,
    11: GROSS,
    12: GROSS,
    13: GROSS,
    14: GROSS,
    15: GROSS,
    16: GROSS,
    17: GROSS,
    18: SIGNIFICANT,
    19: GROSS,
    20: GROSS,
    21: SIGNIFICANT,
    22: MINOR,
    23: GROSS,
    24: SIGNIFICANT,
    25: SIGNIFICANT,
    26: GROSS,
    27: SIGNIFICANT,
    28: SIGNIFICANT,
    29: SIGNIFICANT,
    30: MINOR,
    31: MINOR,
    32: GROSS,
    33: GROSS,
    34: SIGNIFICANT,
    35: GROSS,
}
ORDER_GROUPS = (
    {n: 1 for n in range(1, 20)}
    | {20: 2, 21: 2}
    | {n: 3 for n in range(22, 27)}
    | {n: 4 for n in range(27, 33)}
    | {33: 5, 34: 5, 35: 5}
)


@pytest.fixture(scope="module")
def catalogue():
    return default_catalogue()


def test_check_sheet_has_19_items_9_gross_8_significant_2_minor(catalogue):
    severities = [r.severity for r in catalogue.checklist]
    assert len(severities) == 19
    assert (severities.count(GROSS), severities.count(SIGNIFICANT), severities.count(MINOR)) == (9, 8, 2)


def test_35_criteria_15_gross_15_significant_5_minor(catalogue):
    severities = [c.severity for c in catalogue.criteria.values()]
    assert len(severities) == 35
    assert (severities.count(GROSS), severities.count(SIGNIFICANT), severities.count(MINOR)) == (15, 15, 5)


def test_every_severity_and_group_by_number(catalogue):
    assert {n: c.severity for n, c in catalogue.criteria.items()} == ORDER_SEVERITIES
    assert {n: c.group for n, c in catalogue.criteria.items()} == ORDER_GROUPS


def test_item_n_is_criterion_n_with_its_severity(catalogue):
    for requirement in catalogue.checklist:
        assert requirement.criterion == requirement.number
        assert requirement.severity is catalogue.criteria[requirement.number].severity


def test_constants_are_the_orders(catalogue):
    c = catalogue.constants
    assert (float(c.significant_coefficient), float(c.minor_coefficient)) == (0.7, 0.3)
    assert c.gross_indicator == 100
    assert (c.high_risk_from, c.high_risk_to, c.not_high_from, c.not_high_to) == (71, 100, 0, 70)
    assert c.first_half_list_deadline == (12, 10)
    assert c.second_half_list_deadline == (5, 10)
    assert c.max_visits_per_year == 1


def test_six_objective_criteria_and_five_groups(catalogue):
    assert [o.number for o in catalogue.objective] == [1, 2, 3, 4, 5, 6]
    assert [g.number for g in catalogue.groups] == [1, 2, 3, 4, 5]


def test_kazakh_texts_are_the_orders_words_with_artefacts_repaired(catalogue):
    # Spot checks against the order's text (Annex 2 wording differs from the criteria in places).
    assert catalogue.requirement(9).text.kk == (
        "Тегін негізде ұсынылатын мемлекеттік қызметтерді көрсету кезінде төлем талап етуге жол бермеу"
    )
    assert catalogue.criteria[18].text.kk.startswith("Есептің және есепке талдамалық анықтаманың")
    assert catalogue.requirement(18).text.kk.startswith("Мемлекеттік бақылау қағидаларына сәйкес,")
    assert "бұрықтардың" in catalogue.requirement(18).text.kk  # the order's own spelling is kept
    assert "субъектілерінің" in catalogue.criteria[28].text.kk
    assert catalogue.objective[2].text.kk.startswith('Қазақстан Республикасы "Әкімшілік құқық бұзушылық туралы"')
    for text in [c.text for c in catalogue.criteria.values()] + [r.text for r in catalogue.checklist]:
        for artefact in ("  ", " ,", "( ", " )", "ү к і", "- "):
            assert artefact not in text.kk, (artefact, text.kk)


def test_version_changes_when_the_file_changes(catalogue):
    raw = Path("data/catalogue.toml").read_bytes()
    amended = raw.replace(b"minor_coefficient = 0.3", b"minor_coefficient = 0.30")
    assert parse_catalogue(amended).version != catalogue.version
    assert parse_catalogue(raw).version == catalogue.version


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (b'severity = "gross"', b'severity = "severe"', "criterion 9: severity 'severe'"),
        (b"number = 35\n", b"number = 36\n", "[[criteria]]: expected numbers 1..35"),
        (b"criterion = 7\n", b"criterion = 8\n", "check-sheet item 7: must map to criterion 7"),
        (b'first_half_list_deadline = "12-10"', b'first_half_list_deadline = "12-40"', "[constants]"),
    ],
)
def test_a_bad_entry_is_named(old, new, message):
    raw = Path("data/catalogue.toml").read_bytes()
    assert old in raw
    with pytest.raises(CatalogueError, match=message.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        parse_catalogue(raw.replace(old, new, 1))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CatalogueError, match="cannot read the catalogue"):
        load_catalogue(tmp_path / "nope.toml")


SEED = Path(__file__).resolve().parents[2] / "shared" / "seed"


def _squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.mark.skipif(not SEED.is_dir(), reason="the order's text (../shared/seed) is not beside this checkout")
def test_every_kazakh_text_is_the_orders_own_words(catalogue):
    """Each Kazakh text, spaces aside, stands in the order's text; a text that a table's column break
    split (a row number or a severity word between its parts) stands there in two parts, close together."""
    source = _squeezed("".join(p.read_text(encoding="utf-8") for p in sorted(SEED.glob("*.txt"))))
    texts = [(f"criterion {n}", c.text.kk) for n, c in catalogue.criteria.items()]
    texts += [(f"check-sheet item {r.number}", r.text.kk) for r in catalogue.checklist]
    texts += [(f"objective {o.number}", o.text.kk) for o in catalogue.objective]
    texts += [(f"group {g.number}", g.text.kk) for g in catalogue.groups]
    texts += [(f"label {key}", label.kk) for key, label in catalogue.check_sheet.items()]
    # Objective 3: the extraction moved the word "бабының" (of "465-бабының") to the next line's end.
    as_extracted = {
        "objective 3": lambda t: t.replace("465-бабының талаптарын", "465- талаптарын").replace(
            "жауапкершілікке тартылған", "жауапкершілікке бабының тартылған"
        )
    }
    split = []
    for where, text in texts:
        squeezed = _squeezed(as_extracted.get(where, lambda t: t)(text))
        if squeezed in source:
            continue
        halves = [
            (squeezed[:i], squeezed[i:])
            for i in range(8, len(squeezed) - 8)
            if squeezed[:i] in source
            and squeezed[i:] in source
            and 0 < source.find(squeezed[i:], source.find(squeezed[:i])) - source.find(squeezed[:i]) - i <= 40
        ]
        assert halves, f"{where}: not the order's words: {text}"
        split.append(where)
    # The table's column breaks, repaired in the catalogue (README: texts of the order).
    assert split == ["criterion 2", "criterion 24", "criterion 31"]
