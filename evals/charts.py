"""PNG charts of the report (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def pr_curve(report: dict[str, Any], path: Path) -> Path:
    det = report["detection"]
    curve = det["pr_curve"]
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    ax.plot([p["recall"] for p in curve], [p["precision"] for p in curve], marker=".", label="peak score >= t (test)")
    shipped = det["test"]
    if shipped["recall"] is not None and shipped["precision"] is not None:
        ax.scatter([shipped["recall"]], [shipped["precision"]], color="red", zorder=3,
                   label=f"shipped red band ({det['red_band']:g})")
    tuned = det["tuned_on_dev"]
    if tuned["test"] and tuned["test"]["recall"] is not None and tuned["test"]["precision"] is not None:
        ax.scatter([tuned["test"]["recall"]], [tuned["test"]["precision"]], color="green", marker="s", zorder=3,
                   label=f"threshold {tuned['threshold']:g} chosen on dev")
    ax.axhline(0.6, color="grey", linestyle=":", linewidth=1)
    ax.axvline(0.9, color="grey", linestyle=":", linewidth=1)
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.05),
           title="Escalation detection: precision-recall (test split)")
    ax.legend(fontsize=8, loc="lower left")
    return _save(fig, path)


def lead_time(report: dict[str, Any], path: Path) -> Path:
    det = report["detection"]
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    shipped = det["test"]["lead_time_hours"]["values"]
    tuned = (det["tuned_on_dev"]["test"] or {}).get("lead_time_hours", {}).get("values", [])
    bins = list(range(-240, 481, 24))
    clip = lambda xs: [min(max(x, bins[0]), bins[-1]) for x in xs]  # noqa: E731
    ax.hist([clip(shipped), clip(tuned)], bins=bins, label=["shipped red band", "dev-tuned threshold"])
    ax.axvline(24, color="grey", linestyle=":", linewidth=1)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set(xlabel="hours from first Red flag to escalation (clipped to [-240, 480])", ylabel="accounts",
           title="Lead time (test split)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def confusion(labels: list[str], matrix: list[list[int]], title: str, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(4.6, 4.0))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=30)
    ax.set_yticks(range(len(labels)), labels)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            ax.text(j, i, str(value), ha="center", va="center", fontsize=9)
    ax.set(xlabel="predicted", ylabel="expected", title=title)
    return _save(fig, path)


def ablation(report: dict[str, Any], path: Path) -> Path:
    rows = report["detection"]["ablation"]
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    names = list(rows)
    ax.bar(names, [rows[n]["f1"] or 0 for n in names], color=["#4472c4"] + ["#a5a5a5"] * (len(names) - 1))
    for i, n in enumerate(names):
        ax.text(i, (rows[n]["f1"] or 0) + 0.01, f"{rows[n]['f1'] or 0:.2f}", ha="center", fontsize=9)
    ax.set(ylabel="F1 at the red band", ylim=(0, 1.05), title="Signal ablation (test split)")
    return _save(fig, path)


def servicenow_auc(sn: dict[str, Any], path: Path) -> Path:
    names, values = [], []
    for key, label in (("product_before", "product\npoints score"), ("product_after", "product\nfitted risk")):
        if sn.get(key):
            names.append(label)
            values.append(sn[key]["auc"] or 0.0)
    for name, b in sn["baselines"].items():
        names.append("baseline\n" + name.split(" (")[0])
        values.append(b["auc"] or 0.0)
    fig, ax = plt.subplots(figsize=(6.0, 3.8))
    ax.bar(names, values, color=["#4472c4"] * 2 + ["#a5a5a5"] * (len(names) - 2))
    for i, v in enumerate(values):
        ax.text(i, v + 0.01, f"{v:.3f}", ha="center", fontsize=9)
    ax.axhline(0.5, color="black", linewidth=0.8, linestyle=":")
    ax.set(ylabel="ROC AUC (test split)", ylim=(0, 1.0), title="ServiceNow: escalation ranked before it happens")
    ax.tick_params(axis="x", labelsize=8)
    return _save(fig, path)


def acting_pr(acts: dict[str, Any], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    for key, label in (("pr_curve_score", "points score (peak before escalation)"),
                       ("pr_curve_probability", "fitted risk probability")):
        curve = acts.get(key) or []
        ax.plot([p["recall"] for p in curve], [p["precision"] for p in curve], marker=".", label=label)
    for key, marker, label in (("before", "o", "acts: rules + score"), ("after", "s", "acts: + risk model")):
        m = acts[key]
        if m["recall"] is not None and m["precision"] is not None:
            ax.scatter([m["recall"]], [m["precision"]], marker=marker, zorder=3, label=label)
    ax.axhline(0.7, color="grey", linestyle=":", linewidth=1)
    ax.axvline(0.85, color="grey", linestyle=":", linewidth=1)
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.05),
           title="Before the escalation: precision-recall (test)")
    ax.legend(fontsize=7, loc="lower left")
    return _save(fig, path)


def reliability(cal: dict[str, Any], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(4.6, 4.2))
    table = cal["table"]
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax.plot([c["predicted"] for c in table], [c["observed"] for c in table], marker="o")
    for c in table:
        ax.annotate(str(c["n"]), (c["predicted"], c["observed"]), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set(xlabel="predicted probability", ylabel="escalated within 30 days", xlim=(0, 1), ylim=(0, 1),
           title=f"Reliability (test), ECE {cal['ece']:.3f}")
    return _save(fig, path)


def draw_all(report: dict[str, Any], out: Path) -> list[Path]:
    paths = [pr_curve(report, out / "pr_curve.png"), lead_time(report, out / "lead_time.png"),
             ablation(report, out / "ablation.png")]
    route = report["routing"]
    if route["tier_labels"]:
        paths.append(confusion(route["tier_labels"], route["tier_confusion"], "Tier routing (test)",
                               out / "confusion_tier.png"))
    senti = report.get("sentiment") or {}
    if senti.get("confusion"):
        c = senti["confusion"]
        paths.append(confusion(c["labels"], c["matrix"], f"Sentiment: {c['model']}", out / "confusion_sentiment.png"))
    acts = report.get("acting")
    if acts:
        paths.append(acting_pr(acts, out / "pr_acting.png"))
        if acts.get("calibration"):
            paths.append(reliability(acts["calibration"], out / "reliability.png"))
    sn = (report.get("realworld") or {}).get("servicenow")
    if sn:
        paths.append(servicenow_auc(sn, out / "servicenow_auc.png"))
    return paths
