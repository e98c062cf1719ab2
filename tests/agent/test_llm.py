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


def test_compact_grammar_admits_one_compact_json_text_of_the_schema() -> None:
    from agent.drafting import brief_schema
    from agent.grammar import compact_grammar

    grammar = compact_grammar(brief_schema(("E1", "E2")).model_json_schema())
    rules = dict(line.split(" ::= ", 1) for line in grammar.splitlines())
    assert rules["root"].startswith('"{" "\\"intent\\":" def-claim ",\\"tried\\":" def-claim')
    assert rules["def-claim-text"] == '"\\"" char{2,90} "\\""'
    assert rules["def-claim-refs-item"] == '"\\"E1\\"" | "\\"E2\\""'
    assert rules["def-claim-refs"] == '"[" def-claim-refs-item ("," def-claim-refs-item){0,2} "]"'
    assert "\\n" not in grammar.replace("\\\\n", "")  # no rule admits a newline between tokens


def test_gbnf_port_sends_the_grammar_and_parses_compact_json() -> None:
    sent: dict = {}

    class Chat:
        def bind(self, **kwargs):  # type: ignore[no-untyped-def]
            sent.update(kwargs)
            return self

        def invoke(self, messages):  # type: ignore[no-untyped-def]
            class Message:
                content = '{"greeting":"hi"}'
            return Message()

    answer = ChatModelPort(Chat(), grammar="gbnf").generate(Prompt("greet", "s", "u", 16), Answer)
    assert answer.greeting == "hi" and sent["max_tokens"] == 16
    assert sent["extra_body"]["grammar"].startswith("char ::=")
