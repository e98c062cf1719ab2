"""Reading runbooks and articles from YAML, Markdown and JSONL files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.fake import FakeKnowledgeBase
from knowledge.ingest import add_from_path, load_documents, search_text
from knowledge.models import ArticleNotApproved, DocumentFormatError
from knowledge.seed import runbook_documents


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_runbook_with_symptoms(tmp_path: Path) -> None:
    path = write(
        tmp_path / "rb.yaml",
        "id: RB-X\ntitle: Exports time out\ntags: [export, 504]\nsymptoms:\n  - 'Export fails: timed out'\nbody: Use bulk export.\n",
    )
    (doc,) = load_documents(path)
    assert (doc.id, doc.tags, doc.source) == ("RB-X", ["504", "export"], "rb.yaml")
    assert doc.summary == "- Export fails: timed out"
    assert doc.embedding_text.startswith("Exports time out\n- Export fails")


def test_yaml_list_and_documents_key(tmp_path: Path) -> None:
    write(tmp_path / "a.yml", "- {title: One, body: first}\n- {title: Two, body: second}\n")
    write(tmp_path / "b.yaml", "documents:\n  - {title: Three, body: third, kind: article}\n")
    docs = load_documents(tmp_path)
    assert [d.title for d in docs] == ["One", "Two", "Three"]
    assert docs[2].kind == "article" and docs[2].doc_id.startswith("article-")


def test_markdown_front_matter_and_heading(tmp_path: Path) -> None:
    write(
        tmp_path / "fm.md",
        "---\nid: RB-MD\ntitle: From front matter\ntags: [sso]\n---\n# Heading stays\nSteps.\n",
    )
    write(tmp_path / "plain.md", "Intro line\n# SAML checklist\n\n1. Check the certificate\n")
    write(tmp_path / "bare-notes.md", "Just text.\n")
    bare, fm, plain = sorted(load_documents(tmp_path), key=lambda d: d.source)
    assert (fm.id, fm.title, fm.tags) == ("RB-MD", "From front matter", ["sso"])
    assert fm.body == "# Heading stays\nSteps."
    assert (plain.title, plain.body) == ("SAML checklist", "Intro line\n\n1. Check the certificate")
    assert bare.title == "bare notes"


def test_jsonl_records_including_approved_articles(tmp_path: Path) -> None:
    rows = [
        {"title": "Webhooks", "body": "Replay events", "metadata": {"team": "t2"}},
        {
            "id": "KA-3",
            "title": "Rate limits",
            "problem": "429s",
            "solution": "Back off",
            "status": "approved",
            "source_case_id": "ESC-3",
        },
    ]
    path = write(tmp_path / "kb.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n")
    webhook, article = load_documents(path)
    assert webhook.metadata == {"team": "t2"}
    assert (article.id, article.kind, article.source) == ("KA-3", "article", "case:ESC-3")


def test_draft_article_in_a_file_is_refused(tmp_path: Path) -> None:
    row = {"id": "KA-4", "title": "t", "problem": "p", "solution": "s", "status": "draft"}
    with pytest.raises(ArticleNotApproved):
        load_documents(write(tmp_path / "kb.jsonl", json.dumps(row)))


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.jsonl", '{"title": "a", "body": "b"}\nnot json\n', r"bad.jsonl:2: invalid JSON"),
        ("bad.yaml", "title: [unclosed\n", "invalid YAML"),
        ("nobody.yaml", "title: no body here\n", r"(?s)nobody.yaml\[0\].*body"),
        ("extra.yaml", "title: t\nbody: b\ncolour: red\n", "colour"),
        ("sym.yaml", "title: t\nbody: b\nsymptoms:\n  - Login fails: bad cert\n", "quote lines"),
        ("scalar.yaml", "- just a string\n", "expected a mapping"),
        ("notes.txt", "hello", "unsupported file type"),
    ],
)
def test_format_errors_name_the_file_and_record(tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.raises(DocumentFormatError, match=message):
        load_documents(write(tmp_path / name, text))


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(DocumentFormatError, match="no such file"):
        load_documents(tmp_path / "nope")


def test_add_from_path_is_idempotent_and_search_text_finds(tmp_path: Path) -> None:
    write(tmp_path / "kb" / "a.yaml", "id: RB-A\ntitle: SSO failures\nbody: Check the SAML certificate.\n")
    write(tmp_path / "kb" / "b.md", "# Invoice disputes\nCompare with the order form.\n")
    kb = FakeKnowledgeBase()
    assert add_from_path(kb, tmp_path / "kb").created == 2
    assert add_from_path(kb, str(tmp_path / "kb")).unchanged == 2
    assert search_text(kb, "SAML certificate", k=1)[0].id == "RB-A"


def test_shipped_runbooks_are_valid_and_distinct() -> None:
    docs = runbook_documents()
    ids = [d.doc_id for d in docs]
    assert len(docs) >= 25 and len(set(ids)) == len(ids)
    assert all(i.startswith("RB-") for i in ids)
    assert all(d.summary and d.tags and len(d.body) > 400 for d in docs)
