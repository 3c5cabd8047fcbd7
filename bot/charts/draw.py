"""Drawing the charts of /stats as PNG with matplotlib's Agg backend (no pyplot, no display, no global
figure registry). Runs in the chart worker of :mod:`bot.workers`; matplotlib is imported on the
first call there, never by the bot's own process.

The labels arrive finished, in Kazakh or Russian. DejaVu Sans (matplotlib's own default font, shipped
with it) has the Cyrillic letters and the Kazakh ones (ә, ғ, қ, ң, ө, ұ, ү, һ, і).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from bot.charts.spec import ChartSpec, Histogram, PlanAndDone, Ranking

SIZE = (10, 6)  # inches; at 110 dpi a 1100 x 660 picture, sharp on a phone and well under Telegram's limits
DPI = 110
BLUE, GREY, RED, ORANGE = "#2f6db5", "#b8c4d6", "#c0392b", "#e67e22"


def _setup() -> None:
    import matplotlib

    matplotlib.use("Agg")
    # text.parse_math off: a region called "A$B$" from the registry is text, never mathtext
    matplotlib.rcParams.update(
        {
            "font.family": "DejaVu Sans",
            "font.size": 11,
            "axes.titlesize": 13,
            "text.parse_math": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


def draw_all(specs: Sequence[ChartSpec]) -> list[bytes]:
    """Every chart as PNG bytes, in order."""
    _setup()
    return [draw(spec) for spec in specs]


def draw(spec: ChartSpec) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if isinstance(spec, Histogram):
        _histogram(axes, spec)
    elif isinstance(spec, Ranking):
        _ranking(axes, spec)
    else:
        _plan_and_done(axes, spec)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _histogram(axes: Any, spec: Histogram) -> None:
    lefts, widths = spec.edges[:-1], [b - a for a, b in zip(spec.edges, spec.edges[1:], strict=False)]
    colours = [RED if left >= spec.line else BLUE for left in lefts]
    bars = axes.bar(lefts, spec.counts, width=widths, align="edge", color=colours, edgecolor="white")
    axes.bar_label(bars, labels=[str(c) if c else "" for c in spec.counts], padding=2)
    axes.axvline(spec.line, color="black", linestyle="--", linewidth=1.5, label=spec.line_label)
    axes.set_xticks(spec.edges)
    axes.set_xlim(spec.edges[0], spec.edges[-1])
    axes.set_ylim(0, max(spec.counts, default=0) * 1.2 + 1)  # room for the legend above the bars
    axes.set_title(spec.title)
    axes.set_xlabel(spec.x_label)
    axes.set_ylabel(spec.y_label)
    axes.legend(loc="upper left")
    axes.yaxis.get_major_locator().set_params(integer=True)


def _ranking(axes: Any, spec: Ranking) -> None:
    positions = range(len(spec.values))
    bars = axes.barh(positions, spec.values, color=ORANGE)
    axes.bar_label(bars, padding=3)
    axes.set_yticks(positions, labels=spec.labels)
    axes.invert_yaxis()  # the most violated on top
    axes.set_title(spec.title)
    axes.set_xlabel(spec.x_label)
    axes.xaxis.get_major_locator().set_params(integer=True)


def _plan_and_done(axes: Any, spec: PlanAndDone) -> None:
    positions = list(range(len(spec.categories)))
    visits_label, done_label, plan_label, running_label = spec.legend
    width = 0.4
    if spec.horizontal:
        axes.barh([p - width / 2 for p in positions], spec.visits, height=width, color=GREY, label=visits_label)
        axes.barh([p + width / 2 for p in positions], spec.done, height=width, color=BLUE, label=done_label)
        plan = [(p, v) for p, v in zip(positions, spec.plan, strict=True) if v]
        if plan:
            axes.scatter(
                [v for _, v in plan],
                [p + width / 2 for p, _ in plan],
                marker="|",
                s=400,
                color=RED,
                linewidths=2.5,
                label=plan_label,
                zorder=3,
            )
        axes.set_yticks(positions, labels=spec.categories)
        axes.invert_yaxis()
        axes.set_xlabel(spec.y_label)
        axes.xaxis.get_major_locator().set_params(integer=True)
    else:
        axes.bar([p - width / 2 for p in positions], spec.visits, width=width, color=GREY, label=visits_label)
        axes.bar([p + width / 2 for p in positions], spec.done, width=width, color=BLUE, label=done_label)
        if any(v is not None for v in spec.plan):
            axes.step(
                positions,
                [float("nan") if v is None else v for v in spec.plan],
                where="mid",
                color=RED,
                linestyle="--",
                linewidth=2,
                label=plan_label,
            )
            running = [float("nan") if v is None else v for v in spec.running]
            axes.plot(positions, running, color=BLUE, marker="o", linewidth=1.5, label=running_label)
        axes.set_xticks(positions, labels=spec.categories, rotation=45 if len(positions) > 8 else 0)
        highest = max([*spec.visits, *(v for v in spec.plan if v is not None)], default=0)
        axes.set_ylim(0, highest * 1.35 + 1)  # room for the legend above the bars and the plan
        axes.set_ylabel(spec.y_label)
        axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_title(spec.title)
    axes.legend(loc="best")
