"""What the product does: acts before the escalation, alert counting, calibration, ServiceNow mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from evals.acting import acting_metrics, alerts, calibration, score_pr_curve
from evals.replay import AccountRun, Point
from evals.scenario import AccountTruth, Archetype
from evals.servicenow import auc
from evals.servicenow_data import Case, to_events

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def _run(at_risk: bool, flags: list[int], escalate_day: int | None = None, first_sign: int | None = 0,
         days: int = 28, probs: dict[int, float] | None = None) -> AccountRun:
    truth = AccountTruth(account_id="a", account_name="A", archetype=Archetype.slow_drift if at_risk
                         else Archetype.healthy_quiet, at_risk=at_risk, hard_negative=False,
                         escalates=escalate_day is not None,
                         escalation_at=T0 + timedelta(days=escalate_day) if escalate_day is not None else None,
                         first_signal_at=T0 + timedelta(days=first_sign) if at_risk and first_sign is not None else None)
    points = [Point(T0 + timedelta(days=d), 30.0 if d in flags else 5.0, "red" if d in flags else "green", {},
                    probability=(probs or {}).get(d)) for d in range(days)]
    return AccountRun(truth, points)


def test_a_flag_after_the_escalation_is_not_a_detection() -> None:
    late = _run(True, flags=[12], escalate_day=10)
    early = _run(True, flags=[7], escalate_day=10)
    m = acting_metrics([late, early])
    assert (m["tp"], m["fn"]) == (1, 1)
    assert m["lead_time_hours"]["median"] == 72.0


def test_false_alarms_count_new_cases_per_100_accounts_per_week() -> None:
    healthy = _run(False, flags=[1, 2, 3, 20])  # one episode, then a new one two weeks later
    assert [p.at.day for p in alerts(healthy)] == [2, 21]
    m = acting_metrics([healthy, _run(False, flags=[])])
    assert m["false_alarms"] == 2 and m["fp_accounts"] == 1 and m["precision"] == 0.0
    assert m["false_alarms_per_100_accounts_week"] == round(100 * 2 / (2 * 27 / 7), 3)


def test_alerts_before_the_first_warning_sign_are_false_alarms() -> None:
    m = acting_metrics([_run(True, flags=[2, 15], escalate_day=20, first_sign=10)])
    assert m["tp"] == 1 and m["false_alarms"] == 1


def test_pr_curve_uses_the_peak_before_the_escalation() -> None:
    curve = score_pr_curve([_run(True, flags=[12], escalate_day=10), _run(False, flags=[3])])
    assert curve == [{"threshold": 30.0, "precision": 0.0, "recall": 0.0},
                     {"threshold": 5.0, "precision": 0.5, "recall": 1.0}]


def test_calibration_bins_daily_probabilities_against_escalation_within_30_days() -> None:
    pos = _run(True, flags=[], escalate_day=20, probs={d: 0.9 for d in range(28)})
    neg = _run(False, flags=[], probs={d: 0.1 for d in range(28)})
    cal = calibration([pos, neg])
    assert cal is not None and cal["points"] == 20 + 28
    assert cal["ece"] == round((20 * 0.1 + 28 * 0.1) / 48, 4)


def test_auc_is_the_rank_statistic_with_ties_half() -> None:
    assert auc([0.9, 0.8, 0.1, 0.8], [1, 1, 0, 0]) == 0.875
    assert auc([1, 1], [1, 0]) == 0.5
    assert auc([1, 2], [1, 1]) is None


def test_servicenow_updates_become_validated_product_events() -> None:
    rows = [
        {"sys_mod_count": "0", "sys_updated_at": "2016-03-01T10:00", "caller_id": "7", "incident_state": "New",
         "assignment_group": "5", "assigned_to": "", "priority": "3", "reopen_count": "0", "made_sla": "1",
         "reassignment_count": "0"},
        {"sys_mod_count": "1", "sys_updated_at": "2016-03-01T12:00", "caller_id": "7", "incident_state": "Active",
         "assignment_group": "9", "assigned_to": "44", "priority": "3", "reopen_count": "0", "made_sla": "0",
         "reassignment_count": "1"},
    ]
    case = Case("INC1", 1, "priority_raise", datetime(2016, 3, 1, 9, 50, tzinfo=UTC),
                datetime(2016, 3, 1, 13, 0, tzinfo=UTC), rows)
    events = to_events(case)
    assert [e.type for e in events] == ["account.upserted", "ticket.upserted", "ticket.upserted", "sla.recorded"]
    assert events[2].payload.status.value == "open" and events[2].payload.assignee == "group 9 / analyst 44"
    assert events[3].payload.status.value == "breached"
    assert case.age_hours == 3.0


def test_the_fitting_label_is_the_acting_window() -> None:
    from evals.acting import window_labelled_points

    pos = _run(True, flags=[], escalate_day=20, first_sign=10)
    neg = _run(False, flags=[])
    labels = [(p.at.day - T0.day, y) for p, y in window_labelled_points([pos])]
    assert [d for d, y in labels if y] == list(range(10, 20))  # from the first sign, not after the escalation
    assert max(d for d, _ in labels) == 19
    assert not any(y for _, y in window_labelled_points([neg]))


def test_out_of_fold_probabilities_never_see_their_own_account() -> None:
    import random

    from evals.risk_fit import choose_c, out_of_fold

    rnd = random.Random(3)
    rows, labels, groups = [], [], []
    for g in range(20):
        for _ in range(15):
            y = int(rnd.random() < 0.4)
            rows.append({"x": y + rnd.gauss(0, 0.7), "z": rnd.gauss(0, 1)})
            labels.append(y)
            groups.append(g)
    predict = [(g, r) for g, r in zip(groups, rows, strict=True)]
    first, loss = out_of_fold(rows, labels, groups, predict)
    # Flipping every label of account 0 changes no out-of-fold probability of account 0.
    flipped = [1 - y if g == 0 else y for y, g in zip(labels, groups, strict=True)]
    second, _ = out_of_fold(rows, flipped, groups, predict)
    own = [i for i, g in enumerate(groups) if g == 0]
    assert [first[i] for i in own] == [second[i] for i in own]
    assert any(first[i] != second[i] for i in range(len(rows)) if groups[i] != 0)
    assert 0 < loss < 0.69 and choose_c(rows, labels, groups) in (0.01, 0.1, 1.0)


def _two_sources() -> tuple[list[dict[str, float]], list[int], list[int], list[int]]:
    """Source 0: x predicts the label, base rate ~0.2. Source 1: x predicts it the same way, base rate ~0.6,
    and `only0` is a feature that is constant (0) in source 1, as the text features are on ticket logs."""
    import random

    rnd = random.Random(5)
    rows, labels, groups, sources = [], [], [], []
    for g in range(40):
        src = int(g >= 30)
        for _ in range(12 if src == 0 else 4):
            y = int(rnd.random() < (0.6 if src else 0.2))
            rows.append({"x": y + rnd.gauss(0, 0.8), "only0": 0.0 if src else rnd.gauss(0, 1)})
            labels.append(y)
            groups.append(g)
            sources.append(src)
    return rows, labels, groups, sources


def test_a_weighted_two_source_fit_keeps_the_first_sources_intercept() -> None:
    from statistics import fmean

    from evals.risk_fit import SOURCE, fit_spec
    from rules.risk_model import RiskModel

    rows, labels, _, sources = _two_sources()
    n0 = sources.count(0)
    weights = [1.0 if s == 0 else n0 / sources.count(1) for s in sources]
    spec = fit_spec(rows, labels, "two sources", c=1.0, version="t", weights=weights, sources=sources)
    assert SOURCE not in spec.terms and spec.terms["x"].weight > 0.5
    model = RiskModel(spec)
    zero = [i for i, s in enumerate(sources) if s == 0]
    mean_prob = fmean(model.estimate(rows[i]).probability for i in zero)
    base_rate = fmean(labels[i] for i in zero)
    pooled = sum(w * y for w, y in zip(weights, labels, strict=True)) / sum(weights)
    # The shipped intercept is source 0's: its rows' mean probability is their base rate, not the pooled one.
    assert abs(mean_prob - base_rate) < 0.03 and pooled - base_rate > 0.1
    # Deterministic: the same rows give the same spec.
    assert fit_spec(rows, labels, "two sources", c=1.0, version="t", weights=weights, sources=sources) == spec


def test_weighted_out_of_fold_never_sees_its_own_group_and_weighs_the_loss() -> None:
    from evals.risk_fit import choose_c, out_of_fold

    rows, labels, groups, sources = _two_sources()
    weights = [1.0 if s == 0 else 3.0 for s in sources]
    predict = [(g, r) for g, r in zip(groups, rows, strict=True)]
    first, loss = out_of_fold(rows, labels, groups, predict, weights=weights, sources=sources)
    flipped = [1 - y if g == 31 else y for y, g in zip(labels, groups, strict=True)]
    second, _ = out_of_fold(rows, flipped, groups, predict, weights=weights, sources=sources)
    own = [i for i, g in enumerate(groups) if g == 31]
    assert [first[i] for i in own] == [second[i] for i in own]
    assert any(first[i] != second[i] for i in range(len(rows)) if groups[i] != 31)
    _, heavier = out_of_fold(rows, labels, groups, predict, weights=[1.0 if s == 0 else 9.0 for s in sources],
                             sources=sources)
    assert 0 < loss < 0.69 and heavier != loss
    assert choose_c(rows, labels, groups, weights, sources) in (0.01, 0.1, 1.0)
