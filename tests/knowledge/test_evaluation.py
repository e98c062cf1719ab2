"""The measuring helpers the evals suite reuses."""

from __future__ import annotations

from knowledge.evaluation import EvalQuery, evaluate_retrieval, measure_throughput
from knowledge.fake import FakeKnowledgeBase
from knowledge.models import KnowledgeDocument


def test_evaluate_retrieval_counts_hits_and_misses() -> None:
    kb = FakeKnowledgeBase()
    kb.add_documents(
        [
            KnowledgeDocument(id="RB-A", title="SSO login", body="saml certificate"),
            KnowledgeDocument(id="RB-B", title="Invoice", body="billing refund"),
        ]
    )
    queries = [
        EvalQuery(query="saml login", expected="RB-A"),
        EvalQuery(query="refund", expected="RB-B"),
        EvalQuery(query="refund", expected="RB-A"),
    ]
    report = evaluate_retrieval(kb, queries, k=5)
    assert (report.total, report.hit_at_1, report.hit_at_k) == (3, 2 / 3, 2 / 3)
    (miss,) = report.misses
    assert (miss.expected, miss.rank, miss.got) == ("RB-A", None, ["RB-B"])


def test_per_batch_padding_is_faster_than_fixed_256() -> None:
    report = measure_throughput(
        ["Customer cannot log in", "Invoice is wrong", "Webhooks stopped"], batch_size=4
    )
    assert report.sentences == 3
    assert report.cpu_speedup > 1.5
