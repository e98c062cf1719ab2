"""Reading knowledge documents from files, and the plain functions the CLI calls."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from core.models import KnowledgeArticle
from knowledge.base import KnowledgeBase, Where
from knowledge.models import AddResult, DocumentFormatError, KnowledgeDocument, Suggestion

SUFFIXES = (".yaml", ".yml", ".md", ".markdown", ".jsonl")
_ARTICLE_FIELDS = frozenset({"problem", "solution"})


def add_from_path(kb: KnowledgeBase, path: Path | str) -> AddResult:
    """Add every document in a file or folder (YAML, Markdown, JSONL); re-adding is a no-op."""
    return kb.add_documents(load_documents(Path(path)))


def search_text(kb: KnowledgeBase, query: str, k: int = 5, where: Where | None = None) -> list[Suggestion]:
    """The k best suggestions for a free-text query."""
    return kb.search(query, k=k, where=where)


def load_documents(path: Path) -> list[KnowledgeDocument]:
    """Documents from one file, or from every supported file under a folder (sorted, recursive)."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        return [doc for file in files for doc in load_file(file)]
    if not path.is_file():
        raise DocumentFormatError(f"{path}: no such file or folder")
    return load_file(path)


def load_file(path: Path) -> list[KnowledgeDocument]:
    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8")
    if suffix in (".yaml", ".yml"):
        return [to_document(rec, path, where) for where, rec in _yaml_records(text, path)]
    if suffix in (".md", ".markdown"):
        return [to_document(_markdown_record(text, path), path, str(path))]
    if suffix == ".jsonl":
        return [to_document(rec, path, where) for where, rec in _jsonl_records(text, path)]
    raise DocumentFormatError(f"{path}: unsupported file type {suffix!r} (use one of {', '.join(SUFFIXES)})")


def to_document(record: Mapping[str, Any], path: Path, where: str) -> KnowledgeDocument:
    """A document from one record: runbook-style fields, or a KnowledgeArticle (which must be approved)."""
    try:
        if _ARTICLE_FIELDS <= record.keys():
            return KnowledgeDocument.from_article(KnowledgeArticle.model_validate(record))
        fields = dict(record)
        symptoms = fields.pop("symptoms", None) or []
        if isinstance(symptoms, str):
            symptoms = [symptoms]
        if not isinstance(symptoms, list) or not all(isinstance(s, str) for s in symptoms):
            # A symptom like `Login fails: bad cert` unquoted in YAML becomes a mapping: say so.
            raise DocumentFormatError(
                f"{where}: symptoms must be a list of strings (quote lines containing ': ')"
            )
        if symptoms and not fields.get("summary"):
            fields["summary"] = "\n".join(f"- {s}" for s in symptoms)
        fields.setdefault("source", path.name)
        return KnowledgeDocument.model_validate(fields)
    except (ValidationError, TypeError) as exc:
        raise DocumentFormatError(f"{where}: {exc}") from exc


def _yaml_records(text: str, path: Path) -> Iterator[tuple[str, Mapping[str, Any]]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DocumentFormatError(f"{path}: invalid YAML: {exc}") from exc
    if isinstance(data, Mapping) and isinstance(data.get("documents"), list):
        data = data["documents"]
    records = data if isinstance(data, list) else [data]
    for i, rec in enumerate(records):
        if not isinstance(rec, Mapping):
            raise DocumentFormatError(
                f"{path}[{i}]: expected a mapping with title and body, got {type(rec).__name__}"
            )
        yield f"{path}[{i}]", rec


def _jsonl_records(text: str, path: Path) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DocumentFormatError(f"{path}:{lineno}: invalid JSON: {exc.msg}") from exc
        if not isinstance(rec, Mapping):
            raise DocumentFormatError(f"{path}:{lineno}: expected a JSON object")
        yield f"{path}:{lineno}", rec


def _markdown_record(text: str, path: Path) -> dict[str, Any]:
    """Optional YAML front matter between `---` lines; title from it, else the first `# ` heading."""
    meta: dict[str, Any] = {}
    body = text
    if text.startswith("---"):
        parts = text.split("\n---", 1)
        if len(parts) == 2:
            try:
                loaded = yaml.safe_load(parts[0].removeprefix("---")) or {}
            except yaml.YAMLError as exc:
                raise DocumentFormatError(f"{path}: invalid front matter: {exc}") from exc
            if not isinstance(loaded, dict):
                raise DocumentFormatError(f"{path}: front matter must be a mapping")
            meta, body = loaded, parts[1].lstrip("-").lstrip("\n")
    if "title" not in meta:
        lines = body.splitlines()
        heading = next((i for i, line in enumerate(lines) if line.startswith("# ")), None)
        if heading is not None:
            meta["title"] = lines[heading][2:].strip()
            body = "\n".join(lines[:heading] + lines[heading + 1 :])
        else:
            meta["title"] = path.stem.replace("-", " ").replace("_", " ")
    return {**meta, "body": body.strip()}
