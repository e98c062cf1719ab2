"""The one LLM client factory and the structured-call port every drafting function uses."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from core.settings import Settings

if TYPE_CHECKING:
    from langchain_openai import ChatOpenAI

T = TypeVar("T", bound=BaseModel)


class ModelError(RuntimeError):
    """A structured call failed; the caller falls back to an extractive result."""


class ModelUnavailable(ModelError):
    """The endpoint cannot be reached (refused, timed out, disabled): retrying will not help."""


class ModelOutputInvalid(ModelError):
    """The model answered, but not with an object of the requested schema."""


@dataclass(frozen=True)
class Prompt:
    """One structured request: a fixed system prompt (cached by llama.cpp) and the case-specific part."""

    name: str
    system: str
    user: str
    max_tokens: int
    temperature: float = 0.0


class ModelPort(Protocol):
    """Structured call: a prompt and a pydantic schema in, a validated instance of that schema out."""

    def generate(self, prompt: Prompt, schema: type[T]) -> T: ...


def build_chat_model(settings: Settings, *, temperature: float = 0.0) -> ChatOpenAI:
    """The configured OpenAI-compatible chat model; retries are ours (bounded, schema-aware), not the SDK's."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key,
        timeout=settings.llm_timeout_s,
        max_retries=0,
        temperature=temperature,
    )


class ChatModelPort:
    """`ModelPort` over a LangChain chat model: output constrained by a compact GBNF grammar (llama.cpp)
    or by the endpoint's json_schema response format (any OpenAI-compatible endpoint)."""

    def __init__(self, chat: Any, grammar: str = "json_schema") -> None:
        self._chat = chat
        self._grammar = grammar

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatModelPort:
        return cls(build_chat_model(settings), settings.llm_grammar)

    def generate(self, prompt: Prompt, schema: type[T]) -> T:
        if self._grammar == "gbnf":
            return self._generate_gbnf(prompt, schema)
        return self._generate_json_schema(prompt, schema)

    def _generate_gbnf(self, prompt: Prompt, schema: type[T]) -> T:
        """llama.cpp's `grammar` field: one compact JSON text of the schema, no whitespace tokens."""
        from agent.grammar import compact_grammar

        chat = self._chat.bind(max_tokens=prompt.max_tokens, temperature=prompt.temperature,
                               extra_body={"grammar": compact_grammar(schema.model_json_schema())})
        message = self._invoke(chat, prompt)
        text = message.content if isinstance(message.content, str) else ""
        try:
            return schema.model_validate_json(text)
        except ValidationError as exc:
            raise ModelOutputInvalid(f"{prompt.name}: output does not match schema: {exc}") from exc

    def _invoke(self, runnable: Any, prompt: Prompt) -> Any:
        import openai

        try:
            return runnable.invoke([("system", prompt.system), ("human", prompt.user)])
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise ModelUnavailable(f"{prompt.name}: model endpoint unreachable: {exc}") from exc
        except openai.APIStatusError as exc:
            if exc.status_code in (404, 401, 403) or exc.status_code >= 500:
                raise ModelUnavailable(f"{prompt.name}: endpoint answered {exc.status_code}") from exc
            raise ModelOutputInvalid(f"{prompt.name}: endpoint refused the request: {exc}") from exc

    def _generate_json_schema(self, prompt: Prompt, schema: type[T]) -> T:
        """The endpoint's json_schema response format (any OpenAI-compatible endpoint)."""
        runnable = self._chat.with_structured_output(
            schema, method="json_schema", include_raw=True, max_tokens=prompt.max_tokens,
            temperature=prompt.temperature,
        )
        try:
            result = self._invoke(runnable, prompt)
        except (ValidationError, ValueError) as exc:
            raise ModelOutputInvalid(f"{prompt.name}: {exc}") from exc
        parsed = result.get("parsed")
        if result.get("parsing_error") is not None or not isinstance(parsed, schema):
            raise ModelOutputInvalid(f"{prompt.name}: output does not match schema: {result.get('parsing_error')}")
        return parsed


Responder = Callable[[Prompt, type[BaseModel]], BaseModel | Mapping[str, Any] | Exception]


@dataclass
class FakeModel:
    """Test double: canned answers per schema name (objects, dicts, or exceptions to raise), in order.

    `responder` (if given) computes the answer instead. Every call is recorded in `calls`.
    """

    canned: dict[str, list[BaseModel | Mapping[str, Any] | Exception]] = field(default_factory=dict)
    responder: Responder | None = None
    calls: list[tuple[Prompt, str]] = field(default_factory=list)

    def generate(self, prompt: Prompt, schema: type[T]) -> T:
        self.calls.append((prompt, schema.__name__))
        if self.responder is not None:
            answer = self.responder(prompt, schema)
        else:
            queue = self.canned.get(schema.__name__) or self.canned.get(prompt.name)
            if not queue:
                raise ModelUnavailable(f"FakeModel has no answer for {schema.__name__}")
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        data = answer.model_dump() if isinstance(answer, BaseModel) else dict(answer)
        try:
            return schema.model_validate(data)
        except ValidationError as exc:
            raise ModelOutputInvalid(str(exc)) from exc
