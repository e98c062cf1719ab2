"""Knowledge base: runbooks and approved articles in Chroma, suggested for Red cases by meaning.

Public API: `knowledge.base` (KnowledgeBase port, ChromaKnowledgeBase, make_client), `knowledge.models`
(KnowledgeDocument, Suggestion, AddResult, errors), `knowledge.fake` (FakeKnowledgeBase for tests),
`knowledge.seed` (seed_runbooks), `knowledge.ingest` (add_from_path, search_text), `knowledge.evaluation`
(hit@k on `eval_queries.yaml`, embedding throughput). Nothing here downloads a model.
"""
