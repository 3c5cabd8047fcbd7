"""The order's criteria as data: loads and validates ``data/catalogue.toml``.

Every requirement text, severity and constant of Joint Order No. 102/57 lives in that one file.
Handlers, templates, scoring and the PDF all read the :class:`Catalogue` built here; nobody types a
requirement's text or severity a second time.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

# The catalogue sits in data/ of the source tree; an installed package (the Docker image) finds it in
# data/ of the working directory.
_SOURCE_PATH = Path(__file__).resolve().parent.parent / "data" / "catalogue.toml"
DEFAULT_PATH = _SOURCE_PATH if _SOURCE_PATH.is_file() else Path.cwd() / "data" / "catalogue.toml"
LANGUAGES = ("kk", "ru")


class Severity(StrEnum):
    """Severity of a violation (chapter 3 item 8 of Annex 1)."""

    GROSS = "gross"  # өрескел
    SIGNIFICANT = "significant"  # елеулі
    MINOR = "minor"  # елеусіз


class CatalogueError(ValueError):
    """The catalogue file does not hold what the order says; the message names the bad entry."""


@dataclass(frozen=True, slots=True)
class Text:
    """A text of the order: Kazakh exactly as the order says it, Russian as our working translation."""

    kk: str
    ru: str

    def __call__(self, lang: str) -> str:
        return self.kk if lang == "kk" else self.ru


@dataclass(frozen=True, slots=True)
class Group:
    """An information-source group of the appendix to Annex 1 (chapter 3 item 7)."""

    number: int
    text: Text


@dataclass(frozen=True, slots=True)
class Criterion:
    """A subjective criterion of the appendix to Annex 1."""

    number: int
    group: int
    severity: Severity
    text: Text
    # Why the duty binds only some subjects (README "Readings of the order"): only such a criterion may be
    # answered "not applicable". None: the duty binds every subject of the check sheet.
    conditional: str | None = None


@dataclass(frozen=True, slots=True)
class Requirement:
    """A requirement of the check sheet (Annex 2); item N is checked against criterion N."""

    number: int
    criterion: int
    severity: Severity
    text: Text
    conditional: str | None = None  # the criterion's: "not applicable" is offered only then


@dataclass(frozen=True, slots=True)
class ObjectiveCriterion:
    """A condition of chapter 2 item 4: meeting any of them puts a subject in the high group.

    A condition is a dated fact that counts within a window before the list's approval (``window_months``),
    or, for the internal-control report (sub-item 6), by the latest report (``window_months`` None).
    ``value_min``: the least count that meets it (sub-item 1: more than 1,000 services; 5: three checks).
    """

    number: int
    text: Text
    window_months: int | None = None
    value_min: int | None = None

    @property
    def counts(self) -> bool:
        """The condition is a number (services provided, checks made), recorded as ``value``."""
        return self.value_min is not None


@dataclass(frozen=True, slots=True)
class Constants:
    """The numbers of the order (chapter 3 item 9, chapter 4 items 10-11)."""

    significant_coefficient: Fraction  # 0,7 for SPз
    minor_coefficient: Fraction  # 0,3 for SPн
    gross_indicator: int  # one gross violation => 100
    high_risk_from: int  # 71
    high_risk_to: int  # 100
    not_high_from: int  # 0
    not_high_to: int  # 70
    max_visits_per_year: int  # item 10
    first_half_list_deadline: tuple[int, int]  # (month, day): 10 December of the previous year, item 11
    second_half_list_deadline: tuple[int, int]  # (month, day): 10 May of the current year, item 11
    assessment_period_months: int = 12  # our reading: the sources of the 12 months before the assessment date


@dataclass(frozen=True, slots=True)
class Catalogue:
    version: str  # catalogue_version plus a digest of the file: an amendment gets a new version
    order: dict[str, str]
    constants: Constants
    severities: dict[Severity, Text]
    groups: tuple[Group, ...]
    criteria: dict[int, Criterion]
    checklist: tuple[Requirement, ...]
    objective: tuple[ObjectiveCriterion, ...]
    check_sheet: dict[str, Text]

    def requirement(self, number: int) -> Requirement:
        return self.checklist[number - 1]

    @property
    def checklist_size(self) -> int:
        return len(self.checklist)

    @property
    def other_source_criteria(self) -> range:
        """Criteria 20-35: not on the check sheet; they come from complaints, reporting, web and media
        analysis and public monitoring (appendix to Annex 1, groups 2-5)."""
        return range(self.checklist_size + 1, len(self.criteria) + 1)

    def objective_condition(self, number: int) -> ObjectiveCriterion | None:
        """Condition ``number`` of chapter 2 item 4, or None when there is no such condition."""
        return self.objective[number - 1] if 1 <= number <= len(self.objective) else None


# The order's fixed shape: the loader refuses a file that disagrees with it.
EXPECTED_CRITERIA = 35
EXPECTED_CHECKLIST = 19
EXPECTED_OBJECTIVE = 6
EXPECTED_GROUPS = 5


def _text(entry: dict[str, Any], where: str, prefix: str = "") -> Text:
    values = []
    for lang in LANGUAGES:
        key = f"{prefix}{lang}"
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise CatalogueError(f"{where}: missing or empty text '{key}'")
        if value != " ".join(value.split()):
            raise CatalogueError(f"{where}: text '{key}' has line breaks or repeated spaces")
        values.append(value)
    return Text(*values)


def _int(entry: dict[str, Any], key: str, where: str) -> int:
    value = entry.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise CatalogueError(f"{where}: '{key}' must be an integer, got {value!r}")
    return value


def _severity(entry: dict[str, Any], where: str) -> Severity:
    try:
        return Severity(entry.get("severity"))
    except ValueError:
        allowed = ", ".join(s.value for s in Severity)
        raise CatalogueError(f"{where}: severity {entry.get('severity')!r} is not one of {allowed}") from None


def _month_day(value: Any, where: str) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in str(value).split("-"))
        date(2024, month, day)
    except ValueError:
        raise CatalogueError(f"{where}: {value!r} is not a MM-DD date") from None
    return month, day


def _numbered(entries: list[Any], expected: int, where: str) -> None:
    numbers = [entry.get("number") for entry in entries]
    if numbers != list(range(1, expected + 1)):
        raise CatalogueError(f"{where}: expected numbers 1..{expected} in order, got {numbers}")


def _constants(raw: dict[str, Any]) -> Constants:
    where = "[constants]"
    try:
        return Constants(
            significant_coefficient=Fraction(str(raw["significant_coefficient"])),
            minor_coefficient=Fraction(str(raw["minor_coefficient"])),
            gross_indicator=_int(raw, "gross_indicator", where),
            high_risk_from=_int(raw, "high_risk_from", where),
            high_risk_to=_int(raw, "high_risk_to", where),
            not_high_from=_int(raw, "not_high_from", where),
            not_high_to=_int(raw, "not_high_to", where),
            max_visits_per_year=_int(raw, "max_visits_per_year", where),
            first_half_list_deadline=_month_day(raw["first_half_list_deadline"], where),
            second_half_list_deadline=_month_day(raw["second_half_list_deadline"], where),
            assessment_period_months=_int(raw, "assessment_period_months", where),
        )
    except KeyError as exc:
        raise CatalogueError(f"{where}: missing '{exc.args[0]}'") from None


def _objective(entry: dict[str, Any]) -> ObjectiveCriterion:
    where = f"objective criterion {entry['number']}"
    window = entry.get("window")
    if window == "latest_report":
        months = None
    elif window is None:
        months = _int(entry, "window_months", where)
        if months < 1:
            raise CatalogueError(f"{where}: 'window_months' must be positive")
    else:
        raise CatalogueError(f"{where}: window {window!r} is not 'latest_report'")
    value_min = _int(entry, "value_min", where) if "value_min" in entry else None
    return ObjectiveCriterion(entry["number"], _text(entry, where), months, value_min)


def parse_catalogue(raw_bytes: bytes) -> Catalogue:
    """Build a validated catalogue from the TOML bytes; raise :class:`CatalogueError` naming the bad entry."""
    try:
        raw = tomllib.loads(raw_bytes.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"catalogue is not valid UTF-8 TOML: {exc}") from None

    severities = {}
    for severity in Severity:
        entry = raw.get("severities", {}).get(severity.value)
        if not isinstance(entry, dict):
            raise CatalogueError(f"[severities.{severity.value}] is missing")
        severities[severity] = _text(entry, f"[severities.{severity.value}]")

    groups_raw = raw.get("groups", [])
    _numbered(groups_raw, EXPECTED_GROUPS, "[[groups]]")
    groups = tuple(Group(g["number"], _text(g, f"group {g['number']}")) for g in groups_raw)

    criteria_raw = raw.get("criteria", [])
    _numbered(criteria_raw, EXPECTED_CRITERIA, "[[criteria]]")
    criteria: dict[int, Criterion] = {}
    for entry in criteria_raw:
        where = f"criterion {entry['number']}"
        group = _int(entry, "group", where)
        if not 1 <= group <= EXPECTED_GROUPS:
            raise CatalogueError(f"{where}: group {group} does not exist")
        conditional = entry.get("conditional")
        if conditional is not None and (not isinstance(conditional, str) or not conditional.strip()):
            raise CatalogueError(f"{where}: 'conditional' must be the reason the duty binds only some subjects")
        criteria[entry["number"]] = Criterion(
            entry["number"], group, _severity(entry, where), _text(entry, where), conditional
        )

    checklist_raw = raw.get("checklist", [])
    _numbered(checklist_raw, EXPECTED_CHECKLIST, "[[checklist]]")
    checklist = []
    for entry in checklist_raw:
        where = f"check-sheet item {entry['number']}"
        criterion = _int(entry, "criterion", where)
        if criterion != entry["number"]:
            raise CatalogueError(f"{where}: must map to criterion {entry['number']}, not {criterion}")
        severity = criteria[criterion].severity
        checklist.append(
            Requirement(entry["number"], criterion, severity, _text(entry, where), criteria[criterion].conditional)
        )

    objective_raw = raw.get("objective", [])
    _numbered(objective_raw, EXPECTED_OBJECTIVE, "[[objective]]")
    objective = tuple(_objective(e) for e in objective_raw)

    sheet_raw = raw.get("check_sheet", {})
    label_keys = sorted({key[:-3] for key in sheet_raw if key.endswith(("_kk", "_ru"))})
    check_sheet = {key: _text(sheet_raw, f"[check_sheet] {key}", prefix=f"{key}_") for key in label_keys}

    order = raw.get("order", {})
    for key in ("number", "date", "registration_number", "title_kk", "title_ru"):
        if not isinstance(order.get(key), str):
            raise CatalogueError(f"[order]: missing '{key}'")
    base_version = raw.get("catalogue_version")
    if not isinstance(base_version, str):
        raise CatalogueError("catalogue_version is missing")
    digest = hashlib.sha256(raw_bytes).hexdigest()[:12]
    return Catalogue(
        version=f"{base_version}+{digest}",
        order=order,
        constants=_constants(raw.get("constants", {})),
        severities=severities,
        groups=groups,
        criteria=criteria,
        checklist=tuple(checklist),
        objective=objective,
        check_sheet=check_sheet,
    )


def load_catalogue(path: Path = DEFAULT_PATH) -> Catalogue:
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise CatalogueError(f"cannot read the catalogue {path}: {exc.strerror}") from None
    return parse_catalogue(raw_bytes)


@cache
def default_catalogue() -> Catalogue:
    """The catalogue shipped in ``data/``, loaded once per process."""
    return load_catalogue(DEFAULT_PATH)
