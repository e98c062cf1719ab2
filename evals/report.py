"""Headline metrics, the versioned thresholds, and the report files (report.json, report.md, charts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

THRESHOLDS = Path(__file__).parent / "thresholds.yaml"


def _get(report: dict[str, Any], *path: str) -> Any:
    node: Any = report
    for key in path:
        if not isinstance(node, dict) or node.get(key) is None:
            return None
        node = node[key]
    return node


def headline(report: dict[str, Any]) -> dict[str, float | None]:
    """The figures the thresholds speak about, by stable dotted name."""
    lead = ("detection", "test", "lead_time_hours")
    tuned = ("detection", "tuned_on_dev", "test")
    sn = ("realworld", "servicenow")
    # The goals speak about the product as installed: the configured detector ("before"; on a default
    # install the shipped defaults fitted on dev). "refit" is this run's fit on its own dev split.
    act = ("acting", "before")
    refit = ("acting", "after")
    return {
        "acting.precision": _get(report, *act, "precision"),
        "acting.recall": _get(report, *act, "recall"),
        "acting.false_alarms_per_100_accounts_week": _get(report, *act, "false_alarms_per_100_accounts_week"),
        "acting.lead_time_median_h": _get(report, *act, "lead_time_hours", "median"),
        "acting.lead_time_p10_h": _get(report, *act, "lead_time_hours", "p10"),
        "acting.calibration_error": _get(report, "acting", "calibration", "ece"),
        "acting.refit_precision": _get(report, *refit, "precision"),
        "acting.refit_recall": _get(report, *refit, "recall"),
        "acting.refit_false_alarms_per_100_accounts_week": _get(report, *refit, "false_alarms_per_100_accounts_week"),
        "acting.refit_lead_time_median_h": _get(report, *refit, "lead_time_hours", "median"),
        "acting.refit_calibration_error": _get(report, "acting", "refit_calibration", "ece"),
        "acting_with_meaning.precision": _get(report, "acting_with_meaning", "before", "precision"),
        "acting_with_meaning.recall": _get(report, "acting_with_meaning", "before", "recall"),
        "acting_with_meaning.false_alarms_per_100_accounts_week": _get(
            report, "acting_with_meaning", "before", "false_alarms_per_100_accounts_week"),
        "acting_with_meaning.lead_time_median_h": _get(report, "acting_with_meaning", "before", "lead_time_hours",
                                                       "median"),
        "acting_with_meaning.calibration_error": _get(report, "acting_with_meaning", "calibration", "ece"),
        "acting.before_precision": _get(report, "acting", "before", "precision"),
        "acting.before_recall": _get(report, "acting", "before", "recall"),
        "acting.before_false_alarms_per_100_accounts_week": _get(report, "acting", "before",
                                                                  "false_alarms_per_100_accounts_week"),
        "acting.before_lead_time_median_h": _get(report, "acting", "before", "lead_time_hours", "median"),
        "detection.precision": _get(report, "detection", "test", "precision"),
        "detection.recall": _get(report, "detection", "test", "recall"),
        "detection.f1": _get(report, "detection", "test", "f1"),
        "detection.false_positive_rate": _get(report, "detection", "test", "false_positive_rate"),
        "detection.precision_at_k": _get(report, "detection", "precision_at_k", "precision_at_k"),
        "detection.lead_time_median_h": _get(report, *lead, "median"),
        "detection.lead_time_p10_h": _get(report, *lead, "p10"),
        "detection.dev_tuned_precision": _get(report, *tuned, "precision"),
        "detection.dev_tuned_recall": _get(report, *tuned, "recall"),
        "detection.dev_tuned_lead_time_median_h": _get(report, *tuned, "lead_time_hours", "median"),
        "compliance.independent_recall": _get(report, "compliance", "independent", "recall"),
        "compliance.independent_precision": _get(report, "compliance", "independent", "precision"),
        "compliance.blind_recall": _get(report, "compliance", "blind", "recall"),
        "compliance.blind_precision": _get(report, "compliance", "blind", "precision"),
        "compliance.blind2_recall": _get(report, "compliance", "blind2", "recall"),
        "compliance.blind2_precision": _get(report, "compliance", "blind2", "precision"),
        "routing.seed_scenario_accuracy": _get(report, "routing", "seed_expectations", "scenario_accuracy"),
        "compliance.recall": _get(report, "compliance", "recall"),
        "compliance.precision": _get(report, "compliance", "precision"),
        "sentiment.accuracy": _get(report, "sentiment", "best", "accuracy"),
        "sentiment.macro_f1": _get(report, "sentiment", "best", "macro_f1"),
        "routing.tier_accuracy": _get(report, "routing", "tier_accuracy"),
        "routing.roles_exact_accuracy": _get(report, "routing", "roles_exact_accuracy"),
        "routing.role_micro_recall": _get(report, "routing", "role_micro_recall"),
        "briefs.faithfulness": _get(report, "briefs", "generated_cases", "faithfulness"),
        "briefs.completeness": _get(report, "briefs", "generated_cases", "completeness"),
        # The same briefs with every "not known from the record" field counted as unfaithful, and how many.
        "briefs.faithfulness_all_fields": _get(report, "briefs", "generated_cases", "faithfulness_all_fields"),
        "briefs.not_known": _get(report, "briefs", "generated_cases", "not_known"),
        "realworld.servicenow_auc_before": _get(report, *sn, "product_before", "auc"),
        "realworld.servicenow_auc": _get(report, *sn, "product_after", "auc"),
        "realworld.servicenow_configured_auc": _get(report, *sn, "product_configured", "auc"),
        "realworld.servicenow_best_baseline_auc": _get(report, *sn, "best_baseline_auc"),
        "realworld.servicenow_auc_margin": _margin(report),
        "realworld.servicenow_precision": _get(report, *sn, "product_after", "acts", "precision"),
        "realworld.servicenow_recall": _get(report, *sn, "product_after", "acts", "recall"),
        "realworld.servicenow_lead_time_median_h": _get(report, *sn, "product_after", "lead_time", "median_h"),
        "knowledge.hit_at_1": _get(report, "knowledge", "hit_at_1"),
        "knowledge.hit_at_5": _get(report, "knowledge", "hit_at_5"),
    }


def _margin(report: dict[str, Any]) -> float | None:
    after = _get(report, "realworld", "servicenow", "product_after", "auc")
    best = _get(report, "realworld", "servicenow", "best_baseline_auc")
    return None if after is None or best is None else round(after - best, 4)


# The previous suite's headline (docs/evaluation.md before issue 12): its generator planted the
# detector's own phrases, so these figures measured the generator agreeing with itself.
OLD_SUITE = {"precision": 0.921, "recall": 1.0, "lead_time_median_h": 188.5,
             "definition": "Red at any time (after the escalation too), review items ignored"}


def acting_markdown(report: dict[str, Any]) -> list[str]:
    a = report.get("acting")
    if not a:
        return []

    def row(name: str, m: dict[str, Any]) -> str:
        lt = m["lead_time_hours"]
        return (f"| {name} | {_fmt(m['precision'])} | {_fmt(m['recall'])} | "
                f"{_fmt(m['false_alarms_per_100_accounts_week'])} | {_fmt(lt['median'])} | {_fmt(lt['p10'])} |")

    det = report["detection"]["test"]
    lines = ["## Detection as the product acts (new suite, test split)", "", "```", a["definitions"], "```", "",
             "| suite / detector | precision | recall | false alarms /100 accounts/week | lead median h | lead p10 h |",
             "|---|---|---|---|---|---|",
             f"| old suite, old definition ({OLD_SUITE['definition']}) | {OLD_SUITE['precision']} | "
             f"{OLD_SUITE['recall']} | n/a | {OLD_SUITE['lead_time_median_h']} | n/a |",
             f"| new suite, old definition | {_fmt(det['precision'])} | {_fmt(det['recall'])} | n/a | "
             f"{_fmt(det['lead_time_hours']['median'])} | {_fmt(det['lead_time_hours']['p10'])} |",
             row(f"new suite, acts before escalation: {_configured(a)}", a["before"]),
             row(f"new suite, acts before escalation: refitted on this run's dev split ({_refit(a)})", a["after"]),
             row(f"(dev split, {_configured(a)})", a["dev_before"]),
             *([row("(dev split, refit: replayed with the file fitted on dev, optimistic)", a["dev_after"])]
               if a.get("dev_after") else [])]
    am = report.get("acting_with_meaning")
    if am:
        lines += [row(f"new suite, acts before escalation: escalation by meaning on, {_configured(a)}", am["before"]),
                  row("new suite, acts before escalation: escalation by meaning on, refitted on dev with it",
                      am["after"]),
                  row("(dev split, meaning on, refit: replayed with the file fitted on dev, optimistic)",
                      am["dev_after"])]
        if am.get("calibration"):
            lines += ["", f"With meaning on: calibration error {_fmt(am['calibration']['ece'])} (test); "
                          f"risk model: {json.dumps(am['risk_model'])}"]
    lines += [""]
    cal = a.get("calibration")
    if cal:
        lines += [f"Calibration of the configured detector's probability (test, {cal['points']} daily assessments, base rate "
                  f"{_fmt(cal['base_rate'])}): expected calibration error {_fmt(cal['ece'])}.", "",
                  "| bin | n | predicted | observed |", "|---|---|---|---|",
                  *[f"| {c['bin']} | {c['n']} | {_fmt(c['predicted'])} | {_fmt(c['observed'])} |" for c in cal["table"]],
                  ""]
    refit_cal = a.get("refit_calibration")
    if refit_cal:
        lines += [f"Calibration of the refit's probability (test): expected calibration error {_fmt(refit_cal['ece'])}.",
                  ""]
    lines += [f"Configured detector: {json.dumps(a.get('configured'))}", "",
              f"Refit on this run's dev split: {json.dumps(a['risk_model'])}", ""]
    return lines


def _configured(a: dict[str, Any]) -> str:
    c = a.get("configured") or {}
    if c.get("shipped"):
        return f"default install (shipped defaults fitted on dev: Red {_fmt(c.get('red_score'))}, risk model " \
               f"{c.get('risk_model')})"
    return f"as configured (Red {_fmt(c.get('red_score'))}, risk model {c.get('risk_model') or 'none'})"


def _refit(a: dict[str, Any]) -> str:
    m = a.get("risk_model") or {}
    same = m.get("equals_shipped")
    return f"Red {_fmt(m.get('red_score'))}, probability {_fmt(m.get('review_threshold'))}" + (
        ", reproduces the shipped defaults" if same else ", differs from the shipped defaults (fitted on the ServiceNow dev split too)" if same is False else "")


def realworld_markdown(report: dict[str, Any]) -> list[str]:
    sn = _get(report, "realworld", "servicenow")
    if not sn:
        return ["## Real outcomes (ServiceNow incident log)", "", "Not run (no `servicenow_incident_log` in --data-dir).", ""]
    lines = ["## Real outcomes (ServiceNow incident log)", "",
             "Each escalated incident's updates before the escalation (priority raised or resolution rejected, as "
             "recorded by ServiceNow), cut at the escalation, against incidents still open at the same age; "
             "replayed through the product's event envelope and detector (evals/servicenow_data.py). Split by "
             f"opening time: {sn['cases']}.", "",
             "| scorer (test split) | ROC AUC | AUC priority raise | AUC reopen |", "|---|---|---|---|"]
    for key in ("product_before", "product_configured", "product_after"):
        m = sn.get(key)
        if m:
            lines.append(f"| product: {m['score']} | {_fmt(m['auc'])} | {_fmt(m['auc_by_kind']['priority_raise'])} | "
                         f"{_fmt(m['auc_by_kind']['reopen'])} |")
    for name, b in sn["baselines"].items():
        lines.append(f"| baseline LR: {name} | {_fmt(b['auc'])} | | |")
    lines.append("")
    for key in ("product_before", "product_configured", "product_after"):
        m = sn.get(key)
        if m:
            a, lt = m["acts"], m["lead_time"]
            lines.append(f"- {m['score']}: the product acts (Red or review item) before the cut on {a['tp']} of "
                         f"{a['tp'] + a['fn']} escalations, {a['fp']} false flags; precision {_fmt(a['precision'])}, "
                         f"recall {_fmt(a['recall'])}; lead time median {_fmt(lt['median_h'])} h, p10 {_fmt(lt['p10_h'])} h.")
    if sn.get("risk_model"):
        lines.append(f"- Fitted risk model (dev split): {json.dumps(sn['risk_model'])}")
    lines.append(f"- Beats the best count baseline: {'yes' if sn.get('beats_best_baseline') else '**no**'}.")
    lines.append("")
    return lines


def load_thresholds(path: Path = THRESHOLDS) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "version" not in data:
        raise ValueError(f"{path}: needs a version field")
    for section in ("goals", "gates"):
        for name, bound in (data.get(section) or {}).items():
            if not isinstance(bound, dict) or not set(bound) <= {"min", "max"} or not bound:
                raise ValueError(f"{path}: {section}.{name} must be a mapping with min and/or max")
    return data


def check(figures: dict[str, float | None], bounds: dict[str, dict[str, float]]) -> dict[str, dict[str, Any]]:
    """Each bounded metric: its value, the bound, and whether it holds (None: not measured in this run,
    e.g. sentiment without the airline data)."""
    out = {}
    for name, bound in bounds.items():
        value = figures.get(name)
        ok = None if value is None else bool(
            bound.get("min", float("-inf")) <= value <= bound.get("max", float("inf")))
        out[name] = {"value": value, **bound, "ok": ok}
    return out


def evaluate_thresholds(report: dict[str, Any], path: Path = THRESHOLDS) -> dict[str, Any]:
    data = load_thresholds(path)
    figures = headline(report)
    return {"version": data["version"], "file": str(path), "goals": check(figures, data.get("goals") or {}),
            "gates": check(figures, data.get("gates") or {})}


def write_json(report: dict[str, Any], out: Path) -> Path:
    path = out / "report.json"
    path.write_text(json.dumps(report, indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8")
    return path


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _bound(b: dict[str, Any]) -> str:
    return " and ".join(f"{'>=' if k == 'min' else '<='} {b[k]}" for k in ("min", "max") if k in b)


def markdown(report: dict[str, Any], charts: list[str]) -> str:
    cfg, det, th = report["config"], report["detection"], report["thresholds"]
    lines = [
        "# redaccount offline evaluation",
        "",
        f"Run: {'full' if cfg['full'] else 'fast subset'}; text: {report['data']['text']}; "
        f"{cfg['accounts']} accounts x {cfg['months']} months per split; briefs: {report['briefs']['mode']}; "
        f"thresholds file version {th['version']}.",
        "",
        "## Goals (issue 6) and regression gates",
        "",
        "| metric | value | goal | met |",
        "|---|---|---|---|",
        *[f"| {k} | {_fmt(v['value'])} | {_bound(v)} | {_met(v['ok'])} |" for k, v in th["goals"].items()],
        "",
        "| gate (run fails below) | value | bound | holds |",
        "|---|---|---|---|",
        *[f"| {k} | {_fmt(v['value'])} | {_bound(v)} | {_met(v['ok'])} |" for k, v in th["gates"].items()],
        "",
        "## All headline figures (test split)",
        "",
        "| metric | value |",
        "|---|---|",
        *[f"| {k} | {_fmt(v)} |" for k, v in headline(report).items()],
        "",
        *acting_markdown(report),
        "## Detection (old definition: Red at any time)",
        "",
        "```",
        det["definitions"],
        "```",
        "",
        f"At the shipped red band ({det['red_band']}): test {_counts(det['test'])}; dev {_counts(det['dev'])}.",
        f"Lead times (h, escalating positives flagged): {det['test']['lead_time_hours']['values']}.",
        "",
        f"Threshold chosen on dev for precision >= {det['tuned_on_dev']['min_precision']}: "
        f"{det['tuned_on_dev']['threshold']}; on test: "
        + (_counts(det["tuned_on_dev"]["test"]) if det["tuned_on_dev"]["test"] else "n/a") + ".",
        "",
        "Flagged by archetype (test, red band): "
        + ", ".join(f"{k} {v}" for k, v in det["test"]["flagged_by_archetype"].items()) + ".",
        "",
        "Ablation (test, red band):",
        "",
        "| variant | precision | recall | F1 | FPR |",
        "|---|---|---|---|---|",
        *[f"| {k} | {_fmt(v['precision'])} | {_fmt(v['recall'])} | {_fmt(v['f1'])} | {_fmt(v['false_positive_rate'])} |"
          for k, v in det["ablation"].items()],
        "",
        *realworld_markdown(report),
        "## Routing, compliance, briefs, sentiment, knowledge",
        "",
        f"- Routing ({report['routing']['cases']} at-risk cases): tier {_fmt(report['routing']['tier_accuracy'])}, "
        f"exact role set {_fmt(report['routing']['roles_exact_accuracy'])}, per role {report['routing']['per_role']}.",
        *_independent_md(report),
        f"- Compliance (planted rule terms, matcher regression guard): recall {_fmt(report['compliance']['recall'])}, precision {_fmt(report['compliance']['precision'])}; "
        f"by disguise {report['compliance']['recall_by_disguise']}; generated compliance accounts "
        f"{report['compliance']['generated_compliance_accounts']}.",
        f"- Briefs: {json.dumps({k: v for k, v in report['briefs'].items()}, default=str)[:1200]}",
        f"- Sentiment: {json.dumps(report['sentiment'], default=str) if report['sentiment'] else 'not run (no airline data)'}",
        f"- Knowledge: {json.dumps({k: v for k, v in (report['knowledge'] or {}).items() if k != 'misses'})}",
        "",
        "## Data",
        "",
        f"```\n{json.dumps(report['data'], indent=1)}\n```",
        "",
        "## Charts",
        "",
        *[f"![{c}]({c})" for c in charts],
        "",
        f"Timings (s): {report['timings_s']}",
        "",
    ]
    return "\n".join(lines)


def _set_line(label: str, m: dict[str, Any]) -> str:
    """One compliance set's report line: recall, precision, per language and category, misses, false hits."""
    return (f"- Compliance, {label}: recall {_fmt(m['recall'])}, precision {_fmt(m['precision'])}; by language "
            f"{m['recall_by_language']}; by category {m['recall_by_category']}. Misses: "
            f"{'; '.join(m['misses'][:12])}. False hits: {'; '.join(m['false_hits'][:8])}.")


def _independent_md(report: dict[str, Any]) -> list[str]:
    ind = _get(report, "compliance", "independent")
    seed = _get(report, "routing", "seed_expectations")
    out = []
    if ind:
        out.append(_set_line(f"independent set ({ind['positives']} must-flag, {ind['negatives']} harmless, several "
                             "languages)", ind))
    blind = _get(report, "compliance", "blind")
    if blind:
        out.append(_set_line("blind set (written by someone who never saw the rules or the other sets; "
                             f"{blind['positives']} must-flag, {blind['negatives']} harmless)", blind))
    both = _get(report, "compliance", "blind_with_meaning")
    if blind and both:
        out.append(f"- Compliance, blind set, rules + meaning stage (a must-flag item counts when the rules flag it "
                   f"or the meaning stage proposes a review; the stage was designed after the blind score above "
                   f"showed plain-words incidents missed, so this is not fully blind, though no threshold or "
                   f"example was chosen on it): recall {_fmt(both['recall'])} (rules alone {_fmt(blind['recall'])}), "
                   f"precision {_fmt(both['precision'])} (rules alone {_fmt(blind['precision'])}); by language "
                   f"{both['recall_by_language']}; by category {both['recall_by_category']}. "
                   f"Still missed: {'; '.join(both['misses'][:8])}. False hits: {'; '.join(both['false_hits'][:8])}.")
    blind2, both2 = _get(report, "compliance", "blind2"), _get(report, "compliance", "blind2_with_meaning")
    if blind2:
        out.append(_set_line("second blind set (written after the first had shaped the rules by category, by someone "
                             f"who saw neither the rules, the code nor any set; {blind2['positives']} must-flag, "
                             f"{blind2['negatives']} harmless)", blind2))
    if blind2 and both2:
        out.append(f"- Compliance, second blind set, rules + meaning stage: recall {_fmt(both2['recall'])} (rules alone "
                   f"{_fmt(blind2['recall'])}), precision {_fmt(both2['precision'])} (rules alone "
                   f"{_fmt(blind2['precision'])}); by category {both2['recall_by_category']}.")
    dev = _get(report, "compliance", "dev")
    if dev:
        out.append(f"- Compliance, dev set the rules were tuned on ({dev['positives']} must-flag, {dev['negatives']} "
                   f"harmless; not an independent measure): recall {_fmt(dev['recall'])}, precision {_fmt(dev['precision'])}.")
    if seed:
        failed = [f"{r['id']}: {', '.join(r['failures'])}" for r in seed["rows"] if r["failures"]]
        out.append(f"- Routing against the seed protocol's text ({seed['scenarios']} scenarios): "
                   f"{seed['passed']} pass, check accuracy {_fmt(seed['check_accuracy'])}"
                   + (f"; failing: {'; '.join(failed)}" if failed else "") + ".")
    return out


def _met(ok: bool | None) -> str:
    return "not measured" if ok is None else ("yes" if ok else "**no**")


def _counts(m: dict[str, Any]) -> str:
    return (f"P {_fmt(m['precision'])}, R {_fmt(m['recall'])}, F1 {_fmt(m['f1'])}, FPR {_fmt(m['false_positive_rate'])} "
            f"(tp {m['tp']}, fp {m['fp']}, fn {m['fn']}, tn {m['tn']}); lead median {_fmt(m['lead_time_hours']['median'])} h, "
            f"p10 {_fmt(m['lead_time_hours']['p10'])} h, flagged before escalation "
            f"{m['lead_time_hours']['flagged_before_escalation']}/{m['lead_time_hours']['escalating_positives']}")


def write_all(report: dict[str, Any], out: Path) -> list[Path]:
    """report.json, report.md and the charts into `out`."""
    from evals.charts import draw_all

    out.mkdir(parents=True, exist_ok=True)
    report["thresholds"] = evaluate_thresholds(report)
    charts = draw_all(report, out)
    report["charts"] = [c.name for c in charts]
    paths = [write_json(report, out)]
    md = out / "report.md"
    md.write_text(markdown(report, report["charts"]), encoding="utf-8")
    return [*paths, md, *charts]
