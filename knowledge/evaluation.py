"""Measuring the knowledge base: retrieval hit@k on the shipped query set, embedding throughput."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from knowledge.base import KnowledgeBase

EVAL_QUERIES = Path(__file__).parent / "eval_queries.yaml"


class EvalQuery(BaseModel):
    query: str = Field(min_length=1)
    expected: str = Field(min_length=1)


class Miss(BaseModel):
    query: str
    expected: str
    rank: int | None = Field(description="1-based rank of the expected id within top k, None if absent.")
    got: list[str]


class RetrievalReport(BaseModel):
    total: int
    hit_at_1: float
    hit_at_k: float
    k: int
    mean_latency_ms: float
    p95_latency_ms: float
    misses: list[Miss] = Field(
        default_factory=list, description="Queries whose expected id was not ranked first."
    )


class ThroughputReport(BaseModel):
    """Sentences per wall-clock second and per CPU second (the latter holds up on a shared machine)."""

    sentences: int
    batch_size: int
    per_batch_padding_per_s: float
    fixed_256_padding_per_s: float
    per_batch_padding_per_cpu_s: float
    fixed_256_padding_per_cpu_s: float

    @property
    def speedup(self) -> float:
        return self.per_batch_padding_per_s / self.fixed_256_padding_per_s

    @property
    def cpu_speedup(self) -> float:
        return self.per_batch_padding_per_cpu_s / self.fixed_256_padding_per_cpu_s


def load_eval_queries(path: Path = EVAL_QUERIES) -> list[EvalQuery]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [EvalQuery.model_validate(item) for item in data["queries"]]


def evaluate_retrieval(kb: KnowledgeBase, queries: Sequence[EvalQuery], k: int = 5) -> RetrievalReport:
    """hit@1 and hit@k of kb over queries, with per-query search latency."""
    latencies: list[float] = []
    hits_1 = hits_k = 0
    misses: list[Miss] = []
    for item in queries:
        start = time.perf_counter()
        got = [s.id for s in kb.search(item.query, k=k)]
        latencies.append((time.perf_counter() - start) * 1000)
        rank = got.index(item.expected) + 1 if item.expected in got else None
        hits_1 += rank == 1
        hits_k += rank is not None
        if rank != 1:
            misses.append(Miss(query=item.query, expected=item.expected, rank=rank, got=got))
    n = max(len(queries), 1)
    ordered = sorted(latencies) or [0.0]
    return RetrievalReport(
        total=len(queries),
        hit_at_1=hits_1 / n,
        hit_at_k=hits_k / n,
        k=k,
        mean_latency_ms=sum(latencies) / n,
        p95_latency_ms=ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
        misses=misses,
    )


def measure_throughput(texts: Sequence[str], batch_size: int = 64) -> ThroughputReport:
    """Sentences per second with per-batch padding vs padding every input to 256 tokens, same model."""
    from knowledge.embeddings import MAX_TOKENS, MiniLMEmbedding

    fast = MiniLMEmbedding(batch_size=batch_size)
    naive = MiniLMEmbedding(batch_size=batch_size, pad_to=MAX_TOKENS)
    fast.embed(texts[:8])  # load both sessions before timing
    naive.embed(texts[:8])
    wall, cpu = [], []
    for ef in (fast, naive):
        start, start_cpu = time.perf_counter(), time.process_time()
        ef.embed(texts)
        wall.append(len(texts) / (time.perf_counter() - start))
        cpu.append(len(texts) / max(time.process_time() - start_cpu, 1e-9))
    return ThroughputReport(
        sentences=len(texts),
        batch_size=batch_size,
        per_batch_padding_per_s=wall[0],
        fixed_256_padding_per_s=wall[1],
        per_batch_padding_per_cpu_s=cpu[0],
        fixed_256_padding_per_cpu_s=cpu[1],
    )
