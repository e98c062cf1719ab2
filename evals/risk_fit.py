"""Fit the detector's risk model (rules/risk_model.py) on a dev split and write it as YAML.

Logistic regression (L2) on standardised features; features constant on the dev split get no term.
The review threshold is the dev probability with the best F1 (ties: the higher threshold), so it is
chosen without looking at the test split.

Rows from more than one source (the shipped fit: generated dev accounts and real ServiceNow incidents)
carry a `weight` each and a `source` (0: the generated rows, 1: the other source). The fit then
standardises with the weights, weighs each row's loss by its weight, and gives the other source its own
intercept (an indicator term during the fit, folded into the intercept at source 0 afterwards), so one
source's base rate does not leak into features that happen to be constant in the other.

`out_of_fold` gives every dev row a probability from a model that did not see its group (account or
incident), so thresholds chosen on it are not flattered by the fit itself; `choose_c` picks the
regularisation by the out-of-fold log loss (weighted, when the rows are).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rules.risk_model import RiskModel, RiskModelSpec, Term, dump_spec


def best_f1_threshold(probs: Sequence[float], labels: Sequence[int]) -> float:
    best = (-1.0, 1.0)
    positives = sum(labels)
    for t in sorted(set(round(p, 4) for p in probs)):
        tp = sum(1 for p, y in zip(probs, labels, strict=True) if p >= t and y)
        fp = sum(1 for p, y in zip(probs, labels, strict=True) if p >= t and not y)
        if tp == 0:
            continue
        f1 = 2 * tp / (2 * tp + fp + (positives - tp))
        if f1 >= best[0]:
            best = (f1, t)
    return best[1]


SOURCE = "__source__"  # the indicator term of a second source during a weighted fit (never shipped)


def _weighted_terms(rows: Sequence[dict[str, float]], labels: Sequence[int], weights: Sequence[float],
                    sources: Sequence[int], c: float) -> tuple[float, dict[str, Term], float]:
    """(intercept at source 0, terms, the second source's log-odds offset) of a weighted logistic
    regression with a per-source intercept."""
    from sklearn.linear_model import LogisticRegression

    with_source = [{**r, SOURCE: float(s)} for r, s in zip(rows, sources, strict=True)]
    kept, x, mu, sd = _standardise(with_source, sorted({k for r in with_source for k in r}), weights)
    model = LogisticRegression(C=c, max_iter=5000).fit((x - mu) / sd, list(labels), sample_weight=list(weights))
    intercept, offset = float(model.intercept_[0]), 0.0
    terms = {}
    for n, m, s, w in zip(kept, mu, sd, model.coef_[0], strict=True):
        if n == SOURCE:
            intercept -= float(w) * float(m) / float(s)  # the indicator at 0: the generated rows' intercept
            offset = float(w) / float(s)
        else:
            terms[n] = Term(mean=round(float(m), 6), scale=round(float(s), 6), weight=round(float(w), 6))
    return intercept, terms, offset


def fit_spec(rows: Sequence[dict[str, float]], labels: Sequence[int], fitted_on: str, c: float = 1.0,
             version: str | None = None, weights: Sequence[float] | None = None,
             sources: Sequence[int] | None = None) -> RiskModelSpec:
    """A logistic regression over the rows' features, as a RiskModelSpec (weighted: the module docstring)."""
    from sklearn.linear_model import LogisticRegression

    if weights is not None:
        intercept, terms, _ = _weighted_terms(rows, labels, weights, sources or [0] * len(rows), c)
        draft = RiskModelSpec(version="draft", intercept=intercept, review_threshold=0.5, terms=terms)
        zero = [i for i, s in enumerate(sources or [0] * len(rows)) if s == 0]
        probs = [RiskModel(draft).estimate(rows[i]).probability for i in zero]
        stamp = datetime.now(UTC).strftime("%Y%m%d")
        return RiskModelSpec(version=version or f"fitted-{stamp}-{len(rows)}", fitted_on=fitted_on,
                             intercept=round(intercept, 6),
                             review_threshold=best_f1_threshold(probs, [labels[i] for i in zero]), terms=terms)

    names = sorted({k for r in rows for k in r})
    stats = {}
    for n in names:
        col = [float(r.get(n, 0.0)) for r in rows]
        sd = statistics.pstdev(col)
        if sd > 1e-9:
            stats[n] = (statistics.fmean(col), sd)
    kept = sorted(stats)
    x = [[(float(r.get(n, 0.0)) - stats[n][0]) / stats[n][1] for n in kept] for r in rows]
    model = LogisticRegression(C=c, max_iter=5000).fit(x, list(labels))
    terms = {n: Term(mean=round(stats[n][0], 6), scale=round(stats[n][1], 6), weight=round(float(w), 6))
             for n, w in zip(kept, model.coef_[0], strict=True)}
    draft = RiskModelSpec(version="draft", intercept=float(model.intercept_[0]), review_threshold=0.5, terms=terms)
    probs = [RiskModel(draft).estimate(r).probability for r in rows]
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return RiskModelSpec(version=version or f"fitted-{stamp}-{len(rows)}", fitted_on=fitted_on,
                         intercept=round(float(model.intercept_[0]), 6),
                         review_threshold=best_f1_threshold(probs, labels), terms=terms)


def write_spec(spec: RiskModelSpec, path: Path, header: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_spec(spec, header), encoding="utf-8")
    return path


def _standardise(rows: Sequence[dict[str, float]], names: Sequence[str],
                 weights: Sequence[float] | None = None) -> tuple[list[str], Any, Any, Any]:
    import numpy as np

    x = np.array([[float(r.get(n, 0.0)) for n in names] for r in rows], dtype=float)
    if weights is None:
        mu, sd = x.mean(axis=0), x.std(axis=0)
    else:
        w = np.asarray(weights, dtype=float)[:, None]
        mu = (x * w).sum(axis=0) / w.sum()
        sd = np.sqrt(((x - mu) ** 2 * w).sum(axis=0) / w.sum())
    keep = sd > 1e-9
    return [n for n, k in zip(names, keep, strict=True) if k], x[:, keep], mu[keep], sd[keep]


def out_of_fold(rows: Sequence[dict[str, float]], labels: Sequence[int], groups: Sequence[Any],
                predict: Sequence[tuple[Any, dict[str, float]]], c: float = 1.0,
                folds: int = 5, seed: int = 0, weights: Sequence[float] | None = None,
                sources: Sequence[int] | None = None) -> tuple[list[float], float]:
    """Out-of-fold probabilities of `predict` rows ((group, features)) and the out-of-fold log loss.

    Groups (accounts) are dealt to `folds` folds at random; each fold's rows are scored by a model fitted
    on the other folds (standardised on them too). With `weights` the fits are weighted with a
    per-source intercept (`fit_spec`), `predict` rows are scored at source 0 and the loss is weighted.
    """
    if weights is not None:
        return _weighted_out_of_fold(rows, labels, groups, predict, c, folds, seed, weights,
                                     sources or [0] * len(rows))
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    names = sorted({k for r in rows for k in r})
    unique = sorted(set(groups), key=str)
    order = np.random.RandomState(seed).permutation(len(unique))
    fold_of = {unique[i]: int(pos % folds) for pos, i in enumerate(order)}
    y = np.array(labels)
    train_fold = np.array([fold_of[g] for g in groups])
    pred_fold = [fold_of[g] for g, _ in predict]
    out = [0.0] * len(predict)
    loss, n = 0.0, 0
    for k in range(folds):
        tr = train_fold != k
        if len(set(y[tr].tolist())) < 2:
            continue
        kept, x, mu, sd = _standardise([r for r, t in zip(rows, tr, strict=True) if t], names)
        model = LogisticRegression(C=c, max_iter=5000).fit((x - mu) / sd, y[tr])
        held = [i for i, f in enumerate(pred_fold) if f == k]
        if held:
            xp = np.array([[float(predict[i][1].get(nm, 0.0)) for nm in kept] for i in held])
            for i, q in zip(held, model.predict_proba((xp - mu) / sd)[:, 1], strict=True):
                out[i] = float(q)
        te = np.where(~tr)[0]
        if len(te):
            xt = np.array([[float(rows[i].get(nm, 0.0)) for nm in kept] for i in te])
            q = np.clip(model.predict_proba((xt - mu) / sd)[:, 1], 1e-6, 1 - 1e-6)
            loss += float(-(y[te] * np.log(q) + (1 - y[te]) * np.log(1 - q)).sum())
            n += len(te)
    return out, (loss / n if n else float("inf"))


def _weighted_out_of_fold(rows: Sequence[dict[str, float]], labels: Sequence[int], groups: Sequence[Any],
                          predict: Sequence[tuple[Any, dict[str, float]]], c: float, folds: int, seed: int,
                          weights: Sequence[float], sources: Sequence[int]) -> tuple[list[float], float]:
    import numpy as np

    unique = sorted(set(groups), key=str)
    order = np.random.RandomState(seed).permutation(len(unique))
    fold_of = {unique[i]: int(pos % folds) for pos, i in enumerate(order)}
    train_fold = [fold_of[g] for g in groups]
    out = [0.0] * len(predict)
    loss, total = 0.0, 0.0
    for k in range(folds):
        tr = [i for i, f in enumerate(train_fold) if f != k]
        if len({labels[i] for i in tr}) < 2:
            continue
        intercept, terms, shift = _weighted_terms([rows[i] for i in tr], [labels[i] for i in tr],
                                           [weights[i] for i in tr], [sources[i] for i in tr], c)
        model = RiskModel(RiskModelSpec(version="fold", intercept=intercept, review_threshold=0.5, terms=terms))
        for i, (g, feats) in enumerate(predict):
            if fold_of[g] == k:
                out[i] = _exact(model, feats)
        for i, f in enumerate(train_fold):
            if f == k:
                q = min(1 - 1e-6, max(1e-6, _exact(model, rows[i], shift if sources[i] else 0.0)))
                loss -= weights[i] * (labels[i] * math.log(q) + (1 - labels[i]) * math.log(1 - q))
                total += weights[i]
    return out, (loss / total if total else float("inf"))


def _exact(model: RiskModel, features: dict[str, float], shift: float = 0.0) -> float:
    """The model's probability without the shipped rounding (folds compare log losses)."""
    z = model.spec.intercept + shift + sum(t.weight * (float(features.get(n, 0.0)) - t.mean) / t.scale
                                           for n, t in model.spec.terms.items())
    return 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))


C_GRID = (0.01, 0.1, 1.0)


def choose_c(rows: Sequence[dict[str, float]], labels: Sequence[int], groups: Sequence[Any],
             weights: Sequence[float] | None = None, sources: Sequence[int] | None = None) -> float:
    """The regularisation of C_GRID with the lowest out-of-fold log loss (grouped by account)."""
    scored = [(out_of_fold(rows, labels, groups, [], c, weights=weights, sources=sources)[1], c) for c in C_GRID]
    return min(scored)[1]
