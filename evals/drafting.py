"""Which drafter writes the briefs: extractive (`none`), recorded model answers (`cassette`), or the
embedded model served for the run (`embedded`)."""

from __future__ import annotations

import importlib.util
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from agent.context import CaseContext
from agent.drafting import draft_brief
from agent.outputs import Brief
from core.settings import Settings

LlmMode = Literal["none", "cassette", "embedded"]
REPO = Path(__file__).resolve().parents[1]
CASSETTES = REPO / "tests" / "agent" / "cassettes"
# Recorded briefs are named brief_<account id>.yaml after the cases of tests/agent/agent_cases.py
# (tests/agent/record_drafts.py records them; test_cassettes.py replays them).


def extractive(settings: Settings) -> Callable[[CaseContext], Brief]:
    off = settings.model_copy(update={"llm_enabled": False})
    return lambda ctx: draft_brief(ctx, None, off)


@contextmanager
def embedded(settings: Settings, threads: int = 2) -> Iterator[Callable[[CaseContext], Brief]]:
    """Start agent.llm_server for the run (assembling the model from its packages) and stop it after."""
    from agent.llm import ChatModelPort
    from agent.llm_server import running_server

    on = settings.model_copy(update={"llm_enabled": True})
    with running_server(on, threads=threads, show_progress=False) as server:
        live = on.model_copy(update={"llm_base_url": server.base_url})
        model = ChatModelPort.from_settings(live)
        yield lambda ctx: draft_brief(ctx, model, live)


def _recorded_cases() -> list[CaseContext]:
    spec = importlib.util.spec_from_file_location("_agent_cases", REPO / "tests" / "agent" / "agent_cases.py")
    if spec is None or spec.loader is None:
        raise FileNotFoundError("tests/agent/agent_cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.case_contexts()  # type: ignore[no-any-return]


def cassette_briefs() -> list[tuple[CaseContext, Brief]]:
    """The embedded model's recorded briefs, replayed (never calling out); a partly played cassette fails."""
    import vcr

    contexts = {ctx.account_id: ctx for ctx in _recorded_cases()}
    recorder = vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode="none",
                       match_on=["method", "uri", "body"], decode_compressed_response=True)
    out = []
    from agent.llm import ChatModelPort

    names = sorted(p.stem for p in CASSETTES.glob("brief_*.yaml"))
    if not names:
        raise FileNotFoundError(f"no recorded brief (brief_*.yaml) in {CASSETTES}")
    for name in names:
        ctx = contexts[name.removeprefix("brief_")]
        with tempfile.TemporaryDirectory() as tmp, recorder.use_cassette(f"{name}.yaml") as cassette:
            # Default URL and model name: the request must match the recording byte for byte.
            settings = Settings(data_dir=Path(tmp), llm_timeout_s=600, llm_max_retries=0)
            brief = draft_brief(ctx, ChatModelPort.from_settings(settings), settings)
            if not cassette.all_played:
                raise RuntimeError(f"cassette {name} was only partly played")
        out.append((ctx, brief))
    return out


def describe(mode: LlmMode) -> dict[str, Any]:
    return {
        "none": {"drafter": "extractive (model disabled)"},
        "cassette": {"drafter": "extractive on generated cases + recorded embedded-model briefs "
                                "(tests/agent/cassettes) on the recorded cases"},
        "embedded": {"drafter": "embedded model (agent.llm_server) on generated cases"},
    }[mode]
