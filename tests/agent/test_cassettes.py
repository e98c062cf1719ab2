"""Replay of the real embedded model's answers (vcrpy cassettes recorded against the local llama.cpp server).

Replay never calls out: record mode is "none" unless REDACCOUNT_VCR_RECORD is set (e.g. to "once")
while the embedded server runs on the default port (`redaccount llm serve`). A missing cassette fails.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import vcr

from agent.drafting import draft_brief, draft_customer_update, extract_knowledge, propose_next_actions
from agent.llm import ChatModelPort
from core.settings import Settings
from tests.agent.agent_cases import case_contexts

CASSETTES = Path(__file__).parent / "cassettes"
RECORD_MODE = os.environ.get("REDACCOUNT_VCR_RECORD", "none")

recorder = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode=RECORD_MODE,
    match_on=["method", "uri", "body"],
    filter_headers=["authorization", "cookie", "set-cookie"],
    decode_compressed_response=True,
)


def _settings(tmp_path: Path) -> Settings:
    # Default base URL and model name: the request bodies and URIs must match the recording.
    return Settings(data_dir=tmp_path, llm_timeout_s=600, llm_max_retries=0)


def _replay(name: str, tmp_path: Path, run: Callable[[Settings], object]) -> object:
    path = CASSETTES / f"{name}.yaml"
    if RECORD_MODE == "none":
        assert path.exists(), f"cassette {path.name} missing: record it with REDACCOUNT_VCR_RECORD=once"
    with recorder.use_cassette(path.name) as cassette:
        result = run(_settings(tmp_path))
    if RECORD_MODE == "none":
        assert cassette.all_played, f"cassette {path.name} was only partly played"
    return result


@pytest.mark.parametrize("index", [0, 4, 8], ids=["acme", "hooli-pii", "tyrell-injection"])
def test_brief_from_real_model(index: int, tmp_path: Path) -> None:
    ctx = case_contexts()[index]
    brief = _replay(f"brief_{ctx.account_id}", tmp_path,
                    lambda s: draft_brief(ctx, ChatModelPort.from_settings(s), s))
    assert brief.source == "model", brief.note
    for st in brief.statements().values():
        assert st.text and st.citations and set(st.citations) <= ctx.allowed_refs
    dumped = brief.model_dump_json(exclude={"redactions"})
    assert "4111" not in dumped and "DE89" not in dumped


def test_next_actions_from_real_model(tmp_path: Path) -> None:
    ctx = case_contexts()[2]
    actions = _replay("next_actions_acc-initech", tmp_path,
                      lambda s: propose_next_actions(ctx, ChatModelPort.from_settings(s), s))
    assert actions.source == "model", actions.note
    assert 1 <= len(actions.actions) <= 3
    for action in actions.actions:
        assert set(action.citations) <= ctx.allowed_refs


def test_customer_update_from_real_model(tmp_path: Path) -> None:
    ctx = case_contexts()[3]
    update = _replay("customer_update_acc-umbrella", tmp_path,
                     lambda s: draft_customer_update(ctx, ChatModelPort.from_settings(s), s))
    assert update.source == "model", update.note
    assert update.subject and update.body and set(update.citations) <= ctx.allowed_refs


def test_knowledge_from_real_model(tmp_path: Path) -> None:
    ctx = case_contexts()[3]
    note = "Cleared stale SAML sessions for EU users and raised the IdP token lifetime to 8 hours."
    draft = _replay("knowledge_acc-umbrella", tmp_path,
                    lambda s: extract_knowledge(ctx, ChatModelPort.from_settings(s), s, resolution_note=note))
    assert draft.source == "model", draft.note
    assert draft.title and draft.solution and set(draft.citations) <= ctx.allowed_refs
