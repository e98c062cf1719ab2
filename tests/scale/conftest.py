"""Scale fixtures: a Chroma server on loopback and the kill budget of the crash campaign."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scale.servers import ChromaServer

# Kills per backend: the CI subset by default; REDACCOUNT_TEST_CRASH_KILLS=110 gives the full 220-kill run.
CRASH_KILLS = int(os.environ.get("REDACCOUNT_TEST_CRASH_KILLS", "12"))


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """`chroma run` on a free loopback port for the whole session, stopped at the end."""
    root: Path = tmp_path_factory.mktemp("chroma")
    with ChromaServer(root / "data", root / "chroma.log") as server:
        yield server
