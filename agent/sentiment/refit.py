"""Refit the reader from the operator's own labels; activate it only if it does not do worse.

``refit_sentiment`` is a plain function for the job engine to schedule (e.g. nightly): it derives
labels from CSAT comments and closed cases (core/feedback.py), holds back a stable quarter of them
(a hash of each label's provenance, so a held-back label is never trained on, however many arrive),
fits a candidate on the rest, and scores the candidate and the reader in force on the held-back
labels. The candidate becomes active only when its accuracy is at least the active reader's; both
figures are recorded (``model_evaluations``) for the dashboard's reader-accuracy-over-time chart.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from agent.sentiment.registry import Manifest, save_reader
from agent.sentiment.trained import TrainedSentiment
from core.feedback import collect, held_back
from core.store.labels import SENTIMENT, read_labels, record_evaluation

if TYPE_CHECKING:
    import sqlalchemy as sa

    from core.settings import Settings

@dataclass
class SentimentRefit:
    candidate: str | None
    in_force: str
    n_train: int
    n_held: int
    accuracy_candidate: float | None
    accuracy_in_force: float | None
    activated: bool
    reason: str


def _accuracy(model: Any, texts: list[str], labels: list[str]) -> float | None:
    if not texts:
        return None
    pred = [r.label for r in model.predict(texts)]
    return round(sum(p == y for p, y in zip(pred, labels, strict=True)) / len(labels), 4)


def refit_sentiment(settings: Settings, engine: sa.Engine, *, min_labels: int = 40,
                    params: dict[str, Any] | None = None) -> SentimentRefit:
    """Collect labels, fit a candidate on the non-held-back part, activate it if it is not worse."""
    from agent.sentiment import load_sentiment_model

    collect(engine)
    labels = read_labels(engine, SENTIMENT)
    train = [x for x in labels if not held_back(x.source_ref)]
    held = [x for x in labels if held_back(x.source_ref)]
    held_texts, held_labels = [x.text or "" for x in held], [x.label for x in held]
    active = load_sentiment_model(settings)
    acc_active = _accuracy(active, held_texts, held_labels)

    def done(candidate: str | None, acc: float | None, activated: bool, reason: str) -> SentimentRefit:
        result = SentimentRefit(candidate, active.version, len(train), len(held), acc, acc_active, activated, reason)
        record_evaluation(engine, kind="sentiment", version=active.version, metric="accuracy_held_back",
                          value=acc_active, n=len(held), activated=True, detail={"role": "in_force"})
        if candidate is not None:
            record_evaluation(engine, kind="sentiment", version=candidate, metric="accuracy_held_back", value=acc,
                              n=len(held), activated=activated, detail={"role": "candidate", "reason": reason})
        return result

    classes = {x.label for x in train}
    if len(train) < min_labels or len(classes) < 2:
        return done(None, None, False, f"not enough labels to fit ({len(train)} in {len(classes)} class(es))")
    model = TrainedSentiment(**(params or {})).fit([x.text or "" for x in train], [x.label for x in train])
    if model.version == active.version:
        return done(None, None, False, "no new labels since the reader in force was fitted")
    acc = _accuracy(model, held_texts, held_labels)
    if acc is None or acc_active is None:
        activate, reason = False, "no held-back labels to compare on yet"
    elif acc < acc_active:
        activate, reason = False, f"does worse on held-back labels ({acc} < {acc_active})"
    else:
        activate, reason = True, f"held-back accuracy {acc} >= {acc_active} in force"
    manifest = Manifest(version=model.version, fingerprint=model.fingerprint, source="store:csat+review (refit)",
                        n_train=len(train), label_counts=model.meta["label_counts"],
                        metrics={"accuracy_held_back": acc, "in_force_accuracy_held_back": acc_active,
                                 "n_held": len(held)}, params=dict(model.params), note=reason)
    save_reader(settings, model, manifest, activate=activate)
    return done(model.version, acc, activate, reason)


def describe(result: SentimentRefit) -> dict[str, Any]:
    return asdict(result)
