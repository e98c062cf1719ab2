"""Server-rendered SVG charts (no JavaScript, nothing fetched at run time).

A `Chart` is data (kind, title, series, unit); `svg` draws it for the pages and api/chart_png.py draws
the same chart as a PNG for the API. Labels are drawn whole (rotated when they would collide, never
cut), values are formatted for reading (1,234 / 12.5 / 0.33), and every chart carries a legend.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import Literal

from markupsafe import Markup

W, H = 360, 240
LEFT, RIGHT, TOP = 46, 10, 34
CHAR_W = 8.6  # average glyph width at 14px, to decide whether labels fit side by side


@dataclass(frozen=True)
class Chart:
    """What to draw: bars per label, a 0-1 rate, or a line over time (labels are the x values)."""

    kind: Literal["bar", "gauge", "line"]
    title: str
    series: list[tuple[str, float]] = field(default_factory=list)
    unit: str = ""
    legend: str = ""
    value: float | None = None   # gauge only
    y_max: float | None = None   # line/bar: fixed top of the scale (e.g. 100 for risk scores)


def fmt(value: float) -> str:
    """A number as a person reads it: thousands separators, at most two decimals, no trailing zeros."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:.1f}"


def nice_top(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 x 10^k at or above `value`, so the axis ticks are round numbers."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value - 1e-9)


def _head(title: str, height: float) -> str:
    return (f'<svg class="chart" viewBox="0 0 {W} {height:.0f}" role="img" aria-label="{escape(title)}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
            f'<rect x="0" y="0" width="{W}" height="{height:.0f}" class="bg"/>')


def _legend(text: str) -> str:
    return (f'<g class="legend"><rect x="{LEFT}" y="8" width="12" height="12" class="bar"/>'
            f'<text x="{LEFT + 18}" y="18" class="lbl">{escape(text)}</text></g>')


def _label_layout(labels: list[str], step: float) -> tuple[bool, float]:
    """(rotate?, bottom padding): rotate labels when the longest does not fit in its slot."""
    longest = max((len(s) for s in labels), default=0)
    if longest * CHAR_W <= step * 0.95:
        return False, 30.0
    return True, min(140.0, 0.72 * longest * CHAR_W + 18)


def _grid(top: float, plot_bottom: float, unit: str) -> str:
    parts = []
    for i in range(5):
        value = top * i / 4
        y = plot_bottom - (plot_bottom - TOP) * i / 4
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{fmt(value)}</text>')
    return "".join(parts)


def _bars(chart: Chart) -> str:
    labels = [label for label, _ in chart.series]
    step = (W - LEFT - RIGHT) / len(chart.series)
    rotate, bottom = _label_layout(labels, step)
    height = TOP + 170 + bottom
    plot_bottom = height - bottom
    top = chart.y_max or nice_top(max((v for _, v in chart.series), default=0))
    out = [_head(chart.title, height), _legend(chart.legend or chart.title), _grid(top, plot_bottom, chart.unit)]
    for i, (label, value) in enumerate(chart.series):
        bar_h = (plot_bottom - TOP) * max(0.0, value) / top
        x = LEFT + i * step + step * 0.15
        cx = x + step * 0.35
        out.append(f'<rect x="{x:.1f}" y="{plot_bottom - bar_h:.1f}" width="{step * 0.7:.1f}" height="{bar_h:.1f}" '
                   f'class="bar"><title>{escape(label)}: {fmt(value)}{escape(chart.unit)}</title></rect>'
                   f'<text x="{cx:.1f}" y="{plot_bottom - bar_h - 5:.1f}" text-anchor="middle" class="val">'
                   f'{fmt(value)}</text>')
        if rotate:
            out.append(f'<text transform="translate({cx:.1f},{plot_bottom + 12:.1f}) rotate(-40)" '
                       f'text-anchor="end" class="lbl">{escape(label)}</text>')
        else:
            out.append(f'<text x="{cx:.1f}" y="{plot_bottom + 18:.1f}" text-anchor="middle" class="lbl">'
                       f'{escape(label)}</text>')
    out.append(f'<line x1="{LEFT}" y1="{plot_bottom}" x2="{W - RIGHT}" y2="{plot_bottom}" class="axis"/></svg>')
    return "".join(out)


def _line(chart: Chart) -> str:
    height = TOP + 170 + 30
    plot_bottom = height - 30
    values = [v for _, v in chart.series]
    top = chart.y_max or nice_top(max(values, default=0))
    n = len(chart.series)
    xs = [LEFT + (W - LEFT - RIGHT) * (i / (n - 1) if n > 1 else 0.5) for i in range(n)]
    ys = [plot_bottom - (plot_bottom - TOP) * max(0.0, v) / top for v in values]
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    out = [_head(chart.title, height), _legend(chart.legend or chart.title), _grid(top, plot_bottom, chart.unit),
           f'<polyline points="{points}" class="line"/>']
    for x, y, (label, value) in zip(xs, ys, chart.series, strict=True):
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" class="dot"><title>{escape(label)}: '
                   f'{fmt(value)}{escape(chart.unit)}</title></circle>')
    for i in sorted({0, n - 1}):  # first and last x label: enough to read the time span, never overlapping
        anchor = "start" if i == 0 and n > 1 else "end" if n > 1 else "middle"
        out.append(f'<text x="{xs[i]:.1f}" y="{plot_bottom + 18:.1f}" text-anchor="{anchor}" class="lbl">'
                   f'{escape(chart.series[i][0])}</text>')
    out.append(f'<line x1="{LEFT}" y1="{plot_bottom}" x2="{W - RIGHT}" y2="{plot_bottom}" class="axis"/></svg>')
    return "".join(out)


def _gauge(chart: Chart) -> str:
    pct = 0.0 if chart.value is None else max(0.0, min(1.0, chart.value))
    label = "n/a" if chart.value is None else f"{pct * 100:.1f} %"
    inner = W - LEFT - RIGHT
    return (_head(chart.title, 96) + _legend(chart.legend or chart.title)
            + f'<rect x="{LEFT}" y="34" width="{inner}" height="30" class="track"/>'
            + f'<rect x="{LEFT}" y="34" width="{inner * pct:.1f}" height="30" class="bar"/>'
            + f'<text x="{LEFT + inner / 2}" y="57" text-anchor="middle" class="big-val">{label}</text>'
            + f'<text x="{LEFT}" y="84" class="tick">0 %</text>'
            + f'<text x="{W - RIGHT}" y="84" text-anchor="end" class="tick">100 %</text></svg>')


def svg(chart: Chart) -> Markup:
    """The chart as inline SVG; an empty series says so instead of drawing nothing."""
    if chart.kind == "gauge":
        return Markup(_gauge(chart))
    if not chart.series:
        return Markup(_head(chart.title, 80) + _legend(chart.legend or chart.title)
                      + f'<text x="{W / 2}" y="56" text-anchor="middle" class="empty">no data yet</text></svg>')
    return Markup(_bars(chart) if chart.kind == "bar" else _line(chart))


def bar_chart(series: list[tuple[str, float]], title: str, unit: str = "") -> Markup:
    """Vertical bars with a value on each."""
    return svg(Chart("bar", title, series, unit))


def gauge(value: float | None, title: str) -> Markup:
    """A 0-100 % bar for rates."""
    return svg(Chart("gauge", title, value=value))


def sparkline(points: list[float], label: str, top: float = 100.0) -> Markup:
    """A small inline trend (e.g. 90 days of risk scores), labelled for screen readers."""
    w, h = 96, 24
    if not points:
        return Markup(f'<svg class="spark" viewBox="0 0 {w} {h}" role="img" aria-label="{escape(label)}: no data">'
                      f'<line x1="0" y1="{h - 2}" x2="{w}" y2="{h - 2}" class="axis"/></svg>')
    n = len(points)
    xy = [((w - 4) * (i / (n - 1) if n > 1 else 1.0) + 2, h - 2 - (h - 4) * max(0.0, min(p, top)) / top)
          for i, p in enumerate(points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    return Markup(f'<svg class="spark" viewBox="0 0 {w} {h}" role="img" aria-label="{escape(label)}">'
                  f'<polyline points="{path}" class="line"/>'
                  f'<circle cx="{xy[-1][0]:.1f}" cy="{xy[-1][1]:.1f}" r="2.5" class="dot"/></svg>')
