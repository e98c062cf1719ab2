"""Escalation language recognised by meaning: MiniLM similarity to a few prototype sentences.

The detector's listed phrases catch only exact wording; real customers paraphrase. This embeds each
customer message once (the shipped int8 MiniLM, no download) and reports its cosine similarity to the
nearest prototype (the prototypes are detector configuration: `Thresholds.escalation_prototypes`).
It satisfies `rules.signals.ports.MeaningPort` structurally; the detector decides what counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from knowledge.embeddings import MiniLMEmbedding


class EscalationMeaning:
    """(similarity, nearest prototype) per text; texts are cached, so a replay embeds each one once."""

    def __init__(self, prototypes: Sequence[str], embedding: MiniLMEmbedding | None = None,
                 max_chars: int = 600, cache_size: int = 50_000) -> None:
        if not prototypes:
            raise ValueError("at least one prototype sentence is needed")
        self.prototypes = list(prototypes)
        self.embedding = embedding or MiniLMEmbedding()
        self.max_chars = max_chars
        self._proto = self.embedding.embed(self.prototypes)
        self.cache_size = cache_size
        self._cache: dict[str, tuple[float, str]] = {}

    def similar(self, texts: Sequence[str]) -> list[tuple[float, str]]:
        cache = self._cache  # one dict for this call, even if another thread starts a fresh one
        if len(cache) + len(texts) > self.cache_size:
            cache = self._cache = {}  # a long-running worker must not grow without bound (replays re-embed)
        todo = list(dict.fromkeys(t for t in texts if t not in cache))
        if todo:
            vectors = self.embedding.embed([t[: self.max_chars] for t in todo])
            sims = vectors @ self._proto.T
            best = np.argmax(sims, axis=1)
            for text, row, idx in zip(todo, sims, best, strict=True):
                cache[text] = (round(float(row[idx]), 4), self.prototypes[int(idx)])
        return [cache[t] for t in texts]
