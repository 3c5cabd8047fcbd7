"""The three kinds of table an import takes, their columns and the header words accepted for each.

A header cell is matched after folding case, spaces, underscores and the letter ё; the first Kazakh and
Russian alias is the header the templates and exports write. The README lists every alias.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TableKind(StrEnum):
    SUBJECTS = "subjects"
    OBJECTIVE = "objective"
    FINDINGS = "findings"


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    required: bool
    kk: tuple[str, ...]
    ru: tuple[str, ...]

    def header(self, lang: str) -> str:
        word = (self.kk if lang == "kk" else self.ru)[0]
        return word[:1].upper() + word[1:]

    @property
    def aliases(self) -> tuple[str, ...]:
        return (self.field, *self.kk, *self.ru)


_BIN = Column("bin", True, ("БСН/ЖСН", "БСН", "ЖСН", "бсн жсн"), ("БИН/ИИН", "БИН", "ИИН", "бин иин"))
_SOURCE = Column("source", True, ("дереккөз", "көзі"), ("источник",))
# In a file of facts or findings, a subject not in the registry yet is created when its row names it.
_NEW_NAME = Column("name", False, ("атауы", "атау"), ("наименование", "название"))

COLUMNS: dict[TableKind, tuple[Column, ...]] = {
    TableKind.SUBJECTS: (
        _BIN,
        Column("name", True, ("атауы", "атау"), ("наименование", "название")),
        Column("kind", True, ("бақылау субъектісінің түрі", "түрі"), ("вид субъекта контроля", "вид")),
        Column("region", False, ("өңір", "облыс"), ("регион", "область")),
        Column("address", False, ("мекенжайы", "мекенжай"), ("адрес",)),
        Column("lat", False, ("ендік",), ("широта",)),
        Column("lon", False, ("бойлық",), ("долгота",)),
    ),
    TableKind.OBJECTIVE: (
        _BIN,
        Column("condition", True, ("шарт", "шарт нөмірі"), ("условие", "номер условия")),
        Column("date", True, ("күні", "оқиға күні"), ("дата", "дата события")),
        Column("value", True, ("мәні", "саны"), ("значение", "количество")),
        _SOURCE,
        _NEW_NAME,
    ),
    TableKind.FINDINGS: (
        _BIN,
        Column("criterion", True, ("өлшемшарт", "өлшемшарт нөмірі"), ("критерий", "номер критерия")),
        Column("result", True, ("нәтиже",), ("результат",)),
        Column("date", True, ("күні", "анықталған күні"), ("дата", "дата выявления")),
        _SOURCE,
        _NEW_NAME,
    ),
}


def fold(header: object) -> str:
    """A header cell as compared: lower case, ё as е, spaces/underscores/dashes folded to one space."""
    text = str(header or "").strip().lower().replace("ё", "е")
    for char in "_-\u00a0\t":
        text = text.replace(char, " ")
    return " ".join(text.split())


_ALIAS: dict[TableKind, dict[str, str]] = {
    kind: {fold(alias): column.field for column in columns for alias in column.aliases}
    for kind, columns in COLUMNS.items()
}


def recognise(header: list[object]) -> tuple[TableKind, dict[str, int]] | None:
    """The kind whose required columns the header row has all of, and each known field's column index.

    The kind that recognises the most columns wins (a findings file and an objective file share bin,
    date and source; their required columns differ). None when no kind's required columns are all there.
    """
    best: tuple[int, TableKind, dict[str, int]] | None = None
    for kind, columns in COLUMNS.items():
        found: dict[str, int] = {}
        for index, cell in enumerate(header):
            field = _ALIAS[kind].get(fold(cell))
            if field is not None and field not in found:
                found[field] = index
        if all(c.field in found for c in columns if c.required) and (best is None or len(found) > best[0]):
            best = (len(found), kind, found)
    return (best[1], best[2]) if best else None
