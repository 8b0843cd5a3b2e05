"""Plots of a leaderboard: the ranking metric per configuration, and validation curves.

Each configuration keeps one colour in both panels. Figures are built without pyplot (no global
state, no window) and render with Agg; matplotlib is imported only here, inside the functions,
so that importing the analysis package stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plugboard.core.analysis.curves import curve_metric_for, mean_curve, read_curve
from plugboard.core.analysis.leaderboard import SCALE, Row, repeated_over, row_labels
from plugboard.core.analysis.ranges import declared_range

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def plot_sweep(rows: list[Row], metric: str, curve_metric: str | None = None) -> Figure:
    """Left: `metric` per configuration; right: validation curves, left out when no job has a CSV log."""
    curve_metric = curve_metric or curve_metric_for(metric)
    with_curves = any(read_curve(job.path, curve_metric) for row in rows for job in row.jobs)
    figure = _new_figure(width=13 if with_curves else 7, rows=len(rows))
    axes = figure.subplots(1, 2 if with_curves else 1, squeeze=False)[0]
    plot_leaderboard(rows, metric, ax=axes[0])
    if with_curves:
        plot_curves(rows, curve_metric, ax=axes[1])
    return figure


def plot_leaderboard(rows: list[Row], metric: str, ax: Axes | None = None) -> Figure:
    """A bar per configuration (best on top) at the mean over its runs (seeds or folds), ± std,
    each run a dot."""
    ax = ax or _new_figure(width=7, rows=len(rows)).add_subplot()
    scale, label = _scale(rows, metric)
    for position, row in enumerate(rows):
        values = [value * scale for value in row.values(metric)]
        if not values:
            continue
        colour, mean, std = f"C{position % 10}", row.mean(metric) * scale, (row.std(metric) or 0.0) * scale
        ax.barh(position, mean, color=colour, alpha=0.35)
        ax.errorbar(mean, position, xerr=std, fmt="o", color=colour, capsize=4)
        offsets = (
            [0.0] if len(values) == 1 else [0.3 * (i / (len(values) - 1) - 0.5) for i in range(len(values))]
        )
        ax.scatter(values, [position + offset for offset in offsets], s=14, color="black", zorder=3)
    ax.set_yticks(range(len(rows)), row_labels(rows))
    ax.invert_yaxis()
    ax.set_xlabel(label)
    ax.set_title(f"mean ± std over {repeated_over(rows)} (dots: runs)", fontsize="medium")
    if not rows:
        ax.text(0.5, 0.5, "no finished jobs yet", transform=ax.transAxes, ha="center", va="center")
    return ax.figure


def plot_curves(rows: list[Row], metric: str, ax: Axes | None = None) -> Figure:
    """`metric` (a validation metric) over training: the mean over runs, shaded from min to max."""
    ax = ax or _new_figure(width=7, rows=len(rows)).add_subplot()
    x_name, (scale, y_label) = "epoch", _scale(rows, metric)
    for position, (row, label) in enumerate(zip(rows, row_labels(rows), strict=True)):
        curves = [curve for curve in (read_curve(job.path, metric) for job in row.jobs) if curve]
        if not curves:
            continue
        curve = mean_curve(curves)
        x_name, colour = curve.x_name, f"C{position % 10}"
        mean = [value * scale for value in curve.y]
        ax.plot(curve.x, mean, color=colour, label=f"{label} (n={len(curves)})")
        if len(curves) > 1:
            low, high = [v * scale for v in curve.low], [v * scale for v in curve.high]
            ax.fill_between(curve.x, low, high, color=colour, alpha=0.2, linewidth=0)
    if ax.lines:
        ax.legend(fontsize="small")
    else:
        ax.text(0.5, 0.5, f"no CSV logs with {metric}", transform=ax.transAxes, ha="center", va="center")
    ax.set_xlabel(x_name)
    ax.set_ylabel(y_label)
    ax.set_title(f"validation curves (mean over {repeated_over(rows)}, band: min to max)", fontsize="medium")
    return ax.figure


def _scale(rows: list[Row], metric: str) -> tuple[float, str]:
    """× 100 for a metric the runs declared a fraction, as in the tables; as logged otherwise."""
    if declared_range((job for row in rows for job in row.jobs), metric).is_fraction:
        return SCALE, f"{metric} × {SCALE}"
    return 1, metric


def _new_figure(width: float, rows: int) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, max(3.5, 0.45 * rows + 1.5)), layout="constrained")
    FigureCanvasAgg(figure)
    return figure
