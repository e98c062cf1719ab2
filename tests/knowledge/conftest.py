"""Knowledge fixtures: one loaded embedding function per session, a real Chroma on disk per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest
from chromadb.api import ClientAPI
from chromadb.config import Settings as ChromaSettings

from knowledge.base import ChromaKnowledgeBase
from knowledge.embeddings import MiniLMEmbedding


@pytest.fixture(scope="session")
def embedding() -> MiniLMEmbedding:
    ef = MiniLMEmbedding(batch_size=32)
    ef.embed(["warm up"])
    return ef


def open_client(path: Path) -> ClientAPI:
    return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))


@pytest.fixture
def chroma_dir(tmp_path: Path) -> Path:
    return tmp_path / "chroma"


@pytest.fixture
def chroma_kb(chroma_dir: Path, embedding: MiniLMEmbedding) -> Iterator[ChromaKnowledgeBase]:
    yield ChromaKnowledgeBase(open_client(chroma_dir), embedding)
