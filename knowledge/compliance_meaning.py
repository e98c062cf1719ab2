"""Compliance concerns recognised by meaning: a second stage that PROPOSES a review, never decides.

The word rules (rules/definitions/compliance.yaml) catch regulatory vocabulary; customers describing an
incident in plain words ("your report went to the wrong client with our patients' addresses") use none of
it. This stage embeds each sentence of a customer message with the shipped int8 MiniLM (no download) and
scores it with a logistic regression fitted at start-up on the rules' dev set (evals/compliance_dev.yaml),
the plain-words sentences in knowledge/assets/compliance_meaning.yaml and 400 real harmless banking
queries (knowledge/assets/compliance_meaning_banking77.yaml). A sentence scoring at least
`threshold` becomes a *proposal*: (confidence, evidence quote, its offsets). The detector only asks for
proposals on texts the rules did not match, and a proposal can only raise a review item for a person: it
is not a compliance hit, the rules never see it, so it changes no tier, route or band. The message text
stays data: it is embedded and scored, never interpreted.

The threshold was chosen on dev only (out-of-fold scores, see evals/compliance_meaning_eval.py and
docs/evaluation.md); its false-fire rate on real support text is measured there too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml

ASSET = Path(__file__).parent / "assets" / "compliance_meaning.yaml"
# 400 real, harmless banking queries (banking77 test split, CC BY 4.0; the file's header says how drawn).
REAL_HARMLESS = Path(__file__).parent / "assets" / "compliance_meaning_banking77.yaml"
DEV_SET = Path(__file__).resolve().parents[1] / "evals" / "compliance_dev.yaml"
# Part 2 of the dev set (plain-words breaches, card data, data loss): only its `tune` items are fitted on;
# its `holdout` items are what evals/compliance_meaning_eval.py measures the stage on.
DEV_PLAIN = DEV_SET.with_name("compliance_dev_plain.yaml")
# Chosen on dev only (out-of-fold probabilities of the training pool: the lowest threshold whose proposals
# are at least 90 % concerns); evals/compliance_meaning_eval.py recomputes it.
DEFAULT_THRESHOLD = 0.95
# Inverse regularisation, chosen on dev out-of-fold scores (1, 4, 16, 64, 256 tried): at 1 every confidence
# was squeezed towards 0.5 (unit-length 384-d inputs give small logits); above 16 precision fell.
C = 16.0
_SENTENCE = re.compile(r"[^.!?\n;]+[.!?;]*")


class Embedder(Protocol):
    """Anything that turns texts into unit-length rows (knowledge.embeddings.MiniLMEmbedding)."""

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class Proposal:
    """A possible compliance concern for a person to review: how sure, and the sentence that says it."""

    confidence: float
    quote: str
    start: int
    end: int


def training_examples(asset: Path = ASSET, dev: Path | None = DEV_SET,
                      real: Path | None = REAL_HARMLESS, dev_plain: Path | None = DEV_PLAIN) -> tuple[list[str], list[int]]:
    """(texts, labels) the stage is fitted on (1 = concern): the asset's sentences, the real harmless
    queries, then the dev set's items and the `tune` items of its part 2 (last, so evaluations can find
    them; without `dev`, part 2 is left out too)."""
    data = yaml.safe_load(asset.read_text(encoding="utf-8"))
    texts = [str(t) for t in data["concern"]] + [str(t) for t in data["harmless"]]
    labels = [1] * len(data["concern"]) + [0] * len(data["harmless"])
    if real is not None:
        extra = [str(t) for t in yaml.safe_load(real.read_text(encoding="utf-8"))["harmless"]]
        texts += extra
        labels += [0] * len(extra)
    if dev is not None:
        # Part of what the stage is fitted on: a checkout without it must not quietly fit a weaker stage.
        if not dev.is_file():
            raise FileNotFoundError(f"compliance meaning: its training set {dev} is missing; "
                                    "restore it or set REDACCOUNT_COMPLIANCE_MEANING=false")
        for item in yaml.safe_load(dev.read_text(encoding="utf-8"))["items"]:
            texts.append(str(item["text"]))
            labels.append(1 if item["expect"] else 0)
        if dev_plain is not None and dev_plain.is_file():
            for item in yaml.safe_load(dev_plain.read_text(encoding="utf-8"))["items"]:
                if item.get("split") == "tune":
                    texts.append(str(item["text"]))
                    labels.append(1 if item["expect"] else 0)
    return texts, labels


def sentences(text: str, limit: int) -> list[tuple[int, int]]:
    """Spans of up to `limit` sentences (the first ones; a whole short text is one span)."""
    spans = [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group(0).strip()]
    spans = [(s + len(text[s:e]) - len(text[s:e].lstrip()), e) for s, e in spans]
    if len(spans) <= 1:
        return [(0, len(text))] if text.strip() else []
    return spans[:limit]


class ComplianceMeaning:
    """Proposals per text; fitted once at construction, texts cached so a replay scores each one once."""

    def __init__(self, embedding: Embedder | None = None, threshold: float = DEFAULT_THRESHOLD,
                 examples: tuple[Sequence[str], Sequence[int]] | None = None, max_sentences: int = 6,
                 max_chars: int = 400, cache_size: int = 50_000) -> None:
        if not 0.0 < threshold < 1.0:
            raise ValueError("threshold must be strictly between 0 and 1")
        texts, labels = examples if examples is not None else training_examples()
        if len(texts) != len(labels) or not texts or set(labels) != {0, 1}:
            raise ValueError("examples need texts and labels of equal length with both classes")
        if embedding is None:
            from knowledge.embeddings import MiniLMEmbedding

            embedding = MiniLMEmbedding()
        self.embedding = embedding
        self.threshold = threshold
        self.max_sentences = max_sentences
        self.max_chars = max_chars
        self.model = fit(self.embedding.embed(list(texts)), list(labels))
        self.cache_size = cache_size
        self._cache: dict[str, Proposal | None] = {}

    def score(self, texts: Sequence[str]) -> list[Proposal]:
        """The best-scoring sentence of each text as a Proposal, whatever its confidence (for evaluation)."""
        spans = [sentences(t, self.max_sentences) or [(0, 0)] for t in texts]
        flat = [t[s:e][: self.max_chars] for t, sp in zip(texts, spans, strict=True) for s, e in sp]
        probs = self.model.predict_proba(self.embedding.embed(flat))[:, 1] if flat else np.zeros(0)
        out, i = [], 0
        for text, sp in zip(texts, spans, strict=True):
            chunk = probs[i : i + len(sp)]
            best = int(np.argmax(chunk))
            s, e = sp[best]
            out.append(Proposal(round(float(chunk[best]), 4), text[s:e], s, e))
            i += len(sp)
        return out

    def propose(self, texts: Sequence[str]) -> list[Proposal | None]:
        """Per text: a Proposal when its best sentence scores at least the threshold, else None."""
        cache = self._cache
        if len(cache) + len(texts) > self.cache_size:
            cache = self._cache = {}  # a long-running worker must not grow without bound
        todo = list(dict.fromkeys(t for t in texts if t not in cache))
        for text, p in zip(todo, self.score(todo), strict=True):
            cache[text] = p if p.confidence >= self.threshold else None
        return [cache[t] for t in texts]


def fit(vectors: np.ndarray, labels: Sequence[int]) -> Any:
    """A balanced, L2-regularised logistic regression on unit-length embeddings."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, class_weight="balanced", max_iter=2000)
    model.fit(vectors, np.asarray(labels))
    return model
