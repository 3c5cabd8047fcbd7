"""The reliability suite: hypothesis profiles and the figures printed at the end of the run.

.venv/bin/python -m pytest tests/reliability                  the CI scale (what `make test` runs)
RELIABILITY=full .venv/bin/python -m pytest tests/reliability  the full scale: a 60 s outage, 1000
                                                               examples per property (several minutes)
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from tests.reliability.figures import FIGURES, FULL

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]
settings.register_profile(
    "reliability-ci", max_examples=60, deadline=None, suppress_health_check=_SLOW_OK, derandomize=True
)
settings.register_profile("reliability-full", max_examples=1000, deadline=None, suppress_health_check=_SLOW_OK)
PROFILE = "reliability-full" if FULL else "reliability-ci"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not FIGURES.values:
        return
    terminalreporter.section(f"reliability figures ({'full' if FULL else 'CI'} scale)")
    for line in FIGURES.lines():
        terminalreporter.write_line(line)
