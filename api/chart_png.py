"""The same charts as PNG (matplotlib, headless Agg backend) for clients that cannot show SVG."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display: render to memory only

from matplotlib.figure import Figure  # noqa: E402 - after choosing the backend

from api.charts import Chart, fmt  # noqa: E402

COLOUR = "#8b1e2d"


def png(chart: Chart) -> bytes:
    """Render `chart` to PNG bytes: whole labels, readable values, a legend."""
    fig = Figure(figsize=(8, 3.6), dpi=100)
    ax = fig.add_subplot()
    ax.set_title(chart.title)
    if chart.kind == "gauge":
        pct = 0.0 if chart.value is None else max(0.0, min(1.0, chart.value))
        ax.barh([0], [1.0], color="#e3e6ea")
        ax.barh([0], [pct], color=COLOUR, label=chart.legend or chart.title)
        ax.text(0.5, 0, "n/a" if chart.value is None else f"{pct * 100:.1f} %", ha="center", va="center",
                fontsize=16, color="#1d2330")
        ax.set_xlim(0, 1)
        ax.set_yticks([])
        ax.set_xticks([0, 0.5, 1], ["0 %", "50 %", "100 %"])
    elif not chart.series:
        ax.text(0.5, 0.5, "no data yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
    else:
        labels = [label for label, _ in chart.series]
        values = [v for _, v in chart.series]
        if chart.kind == "bar":
            bars = ax.bar(range(len(values)), values, color=COLOUR, label=chart.legend or chart.title)
            ax.bar_label(bars, labels=[fmt(v) for v in values], fontsize=10)
            ax.set_xticks(range(len(labels)), labels, rotation=40 if max(map(len, labels)) > 6 else 0, ha="right"
                          if max(map(len, labels)) > 6 else "center")
        else:
            ax.plot(range(len(values)), values, color=COLOUR, marker="o", label=chart.legend or chart.title)
            ticks = sorted({0, len(labels) - 1})
            ax.set_xticks(ticks, [labels[i] for i in ticks])
        # Headroom above the tallest bar so its value label stays inside the frame.
        ax.set_ylim(0, (chart.y_max or max(values) or 1.0) * 1.15)
        ax.grid(axis="y", color="#e3e6ea")
    if chart.kind == "gauge" or chart.series:
        ax.legend(loc="upper left", fontsize=9, frameon=False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
