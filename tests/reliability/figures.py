"""The figures the reliability suite reports at the end of the run (tests/reliability/conftest.py prints them)."""

from __future__ import annotations

import os
from collections import OrderedDict

# RELIABILITY=full: the full scale (a 60 s outage, the long hypothesis profile); default: the CI scale.
FULL = os.environ.get("RELIABILITY", "").strip().lower() == "full"


class Figures:
    def __init__(self) -> None:
        self.values: OrderedDict[str, float] = OrderedDict()

    def add(self, name: str, value: float) -> None:
        """Counts add up across tests; durations keep the worst."""
        self.values[name] = self.values.get(name, 0) + value

    def worst(self, name: str, value: float) -> None:
        self.values[name] = max(self.values.get(name, value), value)

    def lines(self) -> list[str]:
        return [
            f"{name}: {value:g}" if isinstance(value, int) or float(value).is_integer() else f"{name}: {value:.1f}"
            for name, value in self.values.items()
        ]


FIGURES = Figures()
