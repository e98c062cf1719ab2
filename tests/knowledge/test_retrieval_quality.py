"""Retrieval quality of the seeded runbooks on the shipped eval queries (real Chroma, real model)."""

from __future__ import annotations

from knowledge.base import ChromaKnowledgeBase
from knowledge.evaluation import evaluate_retrieval, load_eval_queries
from knowledge.seed import runbook_documents, seed_runbooks

# Measured 0.89 / 1.00 on 28 queries; the floors leave room for one or two regressions to be noticed
# in review rather than fail CI, while a broken embedding (≈ random: 0.04 / 0.18) fails loudly.
HIT_AT_1_FLOOR = 0.80
HIT_AT_5_FLOOR = 0.95


def test_eval_queries_point_at_shipped_runbooks() -> None:
    ids = {d.doc_id for d in runbook_documents()}
    queries = load_eval_queries()
    assert len(queries) >= 25
    assert {q.expected for q in queries} <= ids


def test_seed_is_idempotent(chroma_kb: ChromaKnowledgeBase) -> None:
    first = seed_runbooks(chroma_kb)
    again = seed_runbooks(chroma_kb)
    assert first.created == chroma_kb.count() == again.unchanged
    assert again.created == again.updated == 0


def test_hit_at_1_and_hit_at_5_on_seeded_runbooks(chroma_kb: ChromaKnowledgeBase) -> None:
    seed_runbooks(chroma_kb)
    report = evaluate_retrieval(chroma_kb, load_eval_queries(), k=5)
    print(
        f"\nretrieval: n={report.total} hit@1={report.hit_at_1:.3f} hit@5={report.hit_at_k:.3f} "
        f"mean={report.mean_latency_ms:.1f} ms p95={report.p95_latency_ms:.1f} ms"
    )
    for miss in report.misses:
        print(f"  rank {miss.rank}: {miss.expected} <- {miss.query!r} got {miss.got[:3]}")
    assert report.hit_at_1 >= HIT_AT_1_FLOOR, report.misses
    assert report.hit_at_k >= HIT_AT_5_FLOOR, report.misses
