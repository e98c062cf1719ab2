"""The port through which a step asks for the model's draft of its proposal, run later as a job.

A step never waits for the model: it proposes its extractive draft at once and asks for the model's
draft here; the job body is `graph.model_drafts.apply_model_draft`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class DraftRequests(Protocol):
    """Schedule `apply_model_draft(context, case_id, step)` for an approval just opened."""

    def request(self, case_id: str, step: str) -> None: ...


@dataclass
class FakeDraftRequests:
    """Test double: records the requests; a test runs the job body itself when it wants the model draft."""

    requested: list[tuple[str, str]] = field(default_factory=list)

    def request(self, case_id: str, step: str) -> None:
        self.requested.append((case_id, step))
