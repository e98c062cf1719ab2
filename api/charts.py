"""Server-rendered SVG charts (no JavaScript, nothing fetched at run time)."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

W, H, PAD = 560, 200, 34


def bar_chart(series: list[tuple[str, float]], title: str, unit: str = "") -> Markup:
    """Vertical bars with a value label on each; an empty series says so instead of drawing nothing."""
    head = f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}">'
    head += f'<title>{escape(title)}</title>'
    if not series:
        return Markup(head + f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle" class="empty">no data yet</text></svg>')
    top = max(v for _, v in series) or 1.0
    step = (W - 2 * PAD) / len(series)
    bars = []
    for i, (label, value) in enumerate(series):
        height = (H - 2 * PAD) * value / top
        x, y = PAD + i * step + step * 0.15, H - PAD - height
        bars.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{height:.1f}" class="bar">'
                    f'<title>{escape(label)}: {value:g}{escape(unit)}</title></rect>'
                    f'<text x="{x + step * 0.35:.1f}" y="{y - 4:.1f}" text-anchor="middle" class="val">{value:g}</text>')
        if len(series) <= 14 or i % max(1, len(series) // 10) == 0:
            bars.append(f'<text x="{x + step * 0.35:.1f}" y="{H - PAD + 14}" text-anchor="middle" class="lbl">'
                        f'{escape(label[-5:])}</text>')
    axis = f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" class="axis"/>'
    return Markup(head + axis + "".join(bars) + "</svg>")


def gauge(value: float | None, title: str) -> Markup:
    """A 0-100 % bar for rates."""
    pct = 0.0 if value is None else max(0.0, min(1.0, value))
    label = "n/a" if value is None else f"{pct * 100:.1f} %"
    return Markup(f'<svg class="gauge" viewBox="0 0 {W} 40" role="img" aria-label="{escape(title)}">'
                  f'<rect x="0" y="8" width="{W}" height="20" class="track"/>'
                  f'<rect x="0" y="8" width="{W * pct:.1f}" height="20" class="bar"/>'
                  f'<text x="{W / 2}" y="23" text-anchor="middle" class="val">{label}</text></svg>')
