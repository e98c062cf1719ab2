"""Knowledge benchmark: Chroma query latency vs a brute-force numpy cosine search over the same vectors.

The collection holds the shipped runbooks plus `extra` filler documents (varied sentences built from the
runbooks' own words, so the index is not trivially small). Queries are the retrieval eval set. Both
sides get the same precomputed query vectors, so the index is timed, not the embedding model; the
end-to-end `KnowledgeBase.search` latency (embedding included) is reported beside it, and so is the
overlap of Chroma's top-k with the exact top-k (approximate search may lose neighbours).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from core.settings import Settings


def _filler(docs: list[Any], n: int, seed: int = 5) -> list[Any]:
    from knowledge.models import KnowledgeDocument

    rng = random.Random(seed)
    vocab = sorted({w for d in docs for w in d.body.split() if w.isalpha() and len(w) > 3})
    out = []
    for i in range(n):
        title = " ".join(rng.sample(vocab, 4))
        body = " ".join(rng.choice(vocab) for _ in range(40))
        out.append(KnowledgeDocument(id=f"FILLER-{i:05d}", title=title, body=body))
    return out


def run_knowledge_bench(extra: int = 500, k: int = 5, repeats: int = 5) -> dict[str, Any]:
    from knowledge.base import ChromaKnowledgeBase, make_client
    from knowledge.embeddings import MiniLMEmbedding
    from knowledge.evaluation import load_eval_queries
    from knowledge.seed import runbook_documents

    queries = [q.query for q in load_eval_queries()]
    with tempfile.TemporaryDirectory(prefix="redaccount-bench-kb-") as tmp:
        settings = Settings(data_dir=Path(tmp), llm_enabled=False)
        embedding = MiniLMEmbedding.from_settings(settings)
        client = make_client(settings)
        kb = ChromaKnowledgeBase(client, embedding, collection="bench")
        runbooks = runbook_documents()
        start = time.perf_counter()
        kb.add_documents([*runbooks, *_filler(runbooks, extra)])
        add_s = time.perf_counter() - start
        collection = client.get_collection("bench", embedding_function=embedding)
        stored = collection.get(include=["embeddings"])
        ids, matrix = stored["ids"], np.asarray(stored["embeddings"], dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        qvecs = np.asarray(embedding.embed(queries), dtype=np.float32)

        def chroma_once() -> list[list[str]]:
            return [collection.query(query_embeddings=[v.tolist()], n_results=k, include=[])["ids"][0] for v in qvecs]

        def numpy_once() -> list[list[str]]:
            out = []
            for v in qvecs:
                sims = matrix @ (v / np.linalg.norm(v))
                top = np.argpartition(-sims, k)[:k]
                out.append([ids[i] for i in top[np.argsort(-sims[top])]])
            return out

        chroma_ids, exact_ids = chroma_once(), numpy_once()  # warm-up and agreement
        timings = {"chroma": [], "numpy": []}
        for _ in range(repeats):
            for name, fn in (("chroma", chroma_once), ("numpy", numpy_once)):
                t = time.perf_counter()
                fn()
                timings[name].append((time.perf_counter() - t) / len(queries) * 1000)
        t = time.perf_counter()
        for q in queries:
            kb.search(q, k=k)
        search_ms = (time.perf_counter() - t) / len(queries) * 1000
        count = kb.count()
    chroma_ms, numpy_ms = statistics.median(timings["chroma"]), statistics.median(timings["numpy"])
    overlap = statistics.fmean(len(set(a) & set(b)) / k for a, b in zip(chroma_ids, exact_ids, strict=True))
    return {
        "documents": count, "queries": len(queries), "k": k, "add_seconds": round(add_s, 2),
        "chroma_query_ms": round(chroma_ms, 3), "numpy_bruteforce_ms": round(numpy_ms, 3),
        "ratio_chroma_over_numpy_latency": round(chroma_ms / numpy_ms, 2) if numpy_ms else None,
        "kb_search_end_to_end_ms": round(search_ms, 2), "topk_overlap_with_exact": round(overlap, 4),
    }
