"""Knowledge retrieval hit@1/hit@5 on the shipped runbooks and query set (knowledge/evaluation.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from core.settings import Settings


def knowledge_metrics(k: int = 5) -> dict[str, Any]:
    """Seed the runbooks into a fresh on-disk Chroma base and score the query set against it."""
    from knowledge.base import ChromaKnowledgeBase
    from knowledge.evaluation import evaluate_retrieval, load_eval_queries
    from knowledge.seed import seed_runbooks

    with tempfile.TemporaryDirectory(prefix="redaccount-eval-kb-") as tmp:
        kb = ChromaKnowledgeBase.from_settings(Settings(data_dir=Path(tmp), llm_enabled=False))
        seed_runbooks(kb)
        report = evaluate_retrieval(kb, load_eval_queries(), k=k)
        documents = kb.count()
    return {"queries": report.total, "documents": documents, "hit_at_1": round(report.hit_at_1, 4),
            f"hit_at_{k}": round(report.hit_at_k, 4), "mean_latency_ms": round(report.mean_latency_ms, 2),
            "misses": [m.model_dump() for m in report.misses]}
