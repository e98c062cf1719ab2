"""The client factory and the structured-call port (no network: a closed port stands in for 'unreachable')."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import BaseModel

from agent.llm import (
    ChatModelPort,
    FakeModel,
    ModelOutputInvalid,
    ModelUnavailable,
    Prompt,
    build_chat_model,
)
from core.settings import Settings
from evals.loadstats import free_port


class Answer(BaseModel):
    greeting: str


def test_build_chat_model_uses_settings(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, llm_base_url="http://127.0.0.1:9/v1", llm_model="m", llm_timeout_s=7)
    chat = build_chat_model(settings)
    assert chat.openai_api_base == "http://127.0.0.1:9/v1"
    assert chat.model_name == "m"
    assert chat.request_timeout == 7
    assert chat.max_retries == 0
    assert chat.temperature == 0.0
    assert chat.openai_api_key.get_secret_value() == "local-no-key"


def test_importing_agent_builds_no_client() -> None:
    # In a fresh interpreter: the client library is only loaded when a model is built.
    code = "import sys, agent.llm, agent.drafting, agent.llm_server; print('langchain_openai' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_unreachable_endpoint_is_model_unavailable(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, llm_base_url=f"http://127.0.0.1:{free_port()}/v1", llm_timeout_s=5)
    port = ChatModelPort.from_settings(settings)
    with pytest.raises(ModelUnavailable, match="unreachable"):
        port.generate(Prompt("t", "sys", "user", max_tokens=8), Answer)


def test_fake_model_validates_and_records() -> None:
    fake = FakeModel(canned={"Answer": [{"greeting": "hi"}, Answer(greeting="again")]})
    prompt = Prompt("greet", "s", "u", 8)
    assert fake.generate(prompt, Answer).greeting == "hi"
    assert fake.generate(prompt, Answer).greeting == "again"
    assert fake.generate(prompt, Answer).greeting == "again"  # the last answer repeats
    assert [name for _, name in fake.calls] == ["Answer"] * 3


def test_fake_model_invalid_answer_and_raised_errors() -> None:
    prompt = Prompt("greet", "s", "u", 8)
    with pytest.raises(ModelOutputInvalid):
        FakeModel(canned={"Answer": [{"nope": 1}]}).generate(prompt, Answer)
    with pytest.raises(ModelUnavailable):
        FakeModel().generate(prompt, Answer)
    with pytest.raises(TimeoutError):
        FakeModel(canned={"greet": [TimeoutError("slow")]}).generate(prompt, Answer)
