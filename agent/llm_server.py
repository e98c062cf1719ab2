"""The embedded model server: llama.cpp (xllamacpp) serving the joined GGUF on loopback, OpenAI-compatible.

`start_server` runs it in a child process so it can be stopped and its memory (~2 GB) returned;
`serve_forever` runs it in the foreground for `redaccount llm serve`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from agent.model_files import ensure_model_file
from core.settings import Settings

DEFAULT_CTX_SIZE = 4096
DEFAULT_UBATCH = 512
LOOPBACK = "127.0.0.1"


class LlmServerError(RuntimeError):
    """The embedded model server could not start or answer."""


@dataclass(frozen=True)
class ServerOptions:
    model_path: Path
    alias: str
    port: int
    threads: int = 1
    ctx_size: int = DEFAULT_CTX_SIZE  # per slot
    parallel: int = 1
    host: str = LOOPBACK
    ubatch: int = DEFAULT_UBATCH  # prompt tokens evaluated per step
    flash_attn: str = "auto"  # auto | on | off
    # Self-speculative decoding from the prompt ("N:M": after the last N tokens recur in the context, draft
    # the M that followed them there; "" off). Greedy decoding keeps the same answer, only sooner when the
    # model copies from the case block.
    spec_ngram: str = ""

    @classmethod
    def from_settings(cls, settings: Settings, model_path: Path, **overrides: object) -> ServerOptions:
        values: dict[str, object] = {
            "model_path": model_path,
            "alias": settings.llm_model,
            "port": settings.llm_port,
            "threads": settings.llm_threads or default_threads(),
            "parallel": settings.llm_parallel,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    def to_argv(self) -> list[str]:
        return [
            "--model", str(self.model_path), "--alias", self.alias, "--port", str(self.port),
            "--threads", str(self.threads), "--ctx-size", str(self.ctx_size), "--host", self.host,
            "--parallel", str(self.parallel), "--ubatch", str(self.ubatch), "--flash-attn", self.flash_attn,
            "--spec-ngram", self.spec_ngram,
        ]


def available_cores() -> int:
    """CPU cores this process may run on (the container's share, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def default_threads() -> int:
    """All cores but one: the API, the jobs and the database share the machine, and llama.cpp's threads
    wait for each other, so one descheduled thread stalls them all (measured on 2 busy cores: 2 threads
    fell to ~0.1 tokens/s where 1 thread kept going)."""
    return max(1, available_cores() - 1)


class LlmServer:
    """Handle on a running server child process; also a context manager that stops it."""

    def __init__(self, process: subprocess.Popen[bytes], options: ServerOptions, log_path: Path) -> None:
        self.process = process
        self.options = options
        self.log_path = log_path

    @property
    def base_url(self) -> str:
        return self.options.base_url

    def is_running(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, timeout_s: float = 180.0) -> None:
        """Block until /health answers 200 (the model is loaded); raise with the log tail otherwise."""
        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if not self.is_running():
                    raise LlmServerError(f"model server exited with code {self.process.returncode}{self._log_tail()}")
                try:
                    if client.get(f"{self.options.root_url}/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.25)
        self.stop()
        raise LlmServerError(f"model server not ready after {timeout_s:.0f}s{self._log_tail()}")

    def stop(self, timeout_s: float = 10.0) -> None:
        if not self.is_running():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=timeout_s)

    def __enter__(self) -> LlmServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _log_tail(self, lines: int = 15) -> str:
        try:
            tail = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return f"; log {self.log_path}:\n" + "\n".join(tail)


def _port_in_use(host: str, port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def start_server(
    settings: Settings,
    *,
    threads: int | None = None,
    port: int | None = None,
    ctx_size: int | None = None,
    ready_timeout_s: float = 180.0,
    show_progress: bool = True,
    **tuning: object,
) -> LlmServer:
    """Assemble the model if needed, start the server child process, and wait until it is ready.
    `tuning`: other ServerOptions fields (ubatch, flash_attn, spec_ngram), for benchmarks."""
    model = ensure_model_file(settings, show_progress=show_progress)
    options = ServerOptions.from_settings(settings, model, threads=threads, port=port, ctx_size=ctx_size, **tuning)
    if _port_in_use(options.host, options.port):
        raise LlmServerError(f"port {options.port} on {options.host} is already in use")
    settings.ensure_dirs()
    log_path = settings.data_dir / "llm-server.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "agent.llm_server", *options.to_argv(), "--parent-pid", str(os.getpid())],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
    server = LlmServer(process, options, log_path)
    server.wait_ready(ready_timeout_s)
    return server


def endpoint_ready(settings: Settings, timeout_s: float = 1.0) -> bool:
    """True when the configured endpoint answers /health (llama.cpp) or /models (any OpenAI-compatible)."""
    root = settings.llm_base_url.rstrip("/").removesuffix("/v1")
    headers = {"Authorization": f"Bearer {settings.llm_api_key.get_secret_value()}"}
    try:
        with httpx.Client(timeout=timeout_s, headers=headers) as client:
            if client.get(f"{root}/health").status_code == 200:
                return True
            return client.get(f"{settings.llm_base_url.rstrip('/')}/models").status_code == 200
    except httpx.HTTPError:
        return False


def stop_server(server: LlmServer) -> None:
    server.stop()


@contextmanager
def running_server(settings: Settings, **kwargs: object) -> Iterator[LlmServer]:
    """`with running_server(settings) as srv:` starts the embedded model and always stops it."""
    server = start_server(settings, **kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()


def serve_forever(settings: Settings, *, ctx_size: int = DEFAULT_CTX_SIZE) -> None:
    """Foreground server for `redaccount llm serve`; returns on Ctrl-C or SIGTERM."""
    model = ensure_model_file(settings, show_progress=True)
    options = ServerOptions.from_settings(settings, model, ctx_size=ctx_size)
    _run_in_process(options, stop=threading.Event())


def _run_in_process(options: ServerOptions, stop: threading.Event, parent_pid: int | None = None) -> None:
    import signal

    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(options.model_path)
    params.model_alias = {options.alias}
    params.hostnames = [options.host]
    params.port = options.port
    # Each slot gets ctx_size tokens; the prompt cache keeps the shared system + case prefix between the
    # drafts of one case, so only the task at the end of each prompt is evaluated again.
    params.n_ctx = options.ctx_size * options.parallel
    params.n_parallel = options.parallel
    params.kv_unified = True
    params.cache_prompt = True
    params.cpuparams.n_threads = options.threads
    params.cpuparams_batch.n_threads = options.threads
    params.n_ubatch = options.ubatch
    params.n_batch = max(params.n_batch, options.ubatch)
    params.flash_attn_type = {"auto": xllamacpp.llama_flash_attn_type.LLAMA_FLASH_ATTN_TYPE_AUTO,
                              "on": xllamacpp.llama_flash_attn_type.LLAMA_FLASH_ATTN_TYPE_ENABLED,
                              "off": xllamacpp.llama_flash_attn_type.LLAMA_FLASH_ATTN_TYPE_DISABLED}[options.flash_attn]
    if options.spec_ngram:
        n, m = (int(x) for x in options.spec_ngram.split(":"))
        params.speculative.types = [xllamacpp.common_speculative_type.COMMON_SPECULATIVE_TYPE_NGRAM_SIMPLE]
        params.speculative.ngram_simple.size_n = n
        params.speculative.ngram_simple.size_m = m
        params.speculative.draft.n_max = m
    server = xllamacpp.Server(params)  # starts the HTTP listener; keep the reference alive
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(1.0):
            # An orphaned server would hold 2 GB forever; follow the parent down.
            if parent_pid is not None and os.getppid() != parent_pid:
                break
    except KeyboardInterrupt:
        pass
    del server
    if parent_pid is not None:
        # A child has nothing to flush, and llama.cpp's teardown can be slow.
        os._exit(0)


def measure_speed(base_url: str, model: str, prompt: str, max_tokens: int = 128, api_key: str = "x") -> dict:
    """Stream one completion and return time to first token, tokens/s and the server's own timings."""
    body = {
        "model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": max_tokens,
        "temperature": 0, "stream": True, "stream_options": {"include_usage": True},
    }
    started = time.perf_counter()
    first: float | None = None
    timings: dict = {}
    with httpx.stream("POST", f"{base_url}/chat/completions", json=body, timeout=300,
                      headers={"Authorization": f"Bearer {api_key}"}) as resp:
        resp.raise_for_status()
        for line in resp.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if first is None and any((c.get("delta") or {}).get("content") for c in chunk.get("choices", [])):
                first = time.perf_counter() - started
            timings = chunk.get("timings") or timings
    total = time.perf_counter() - started
    return {
        "ttft_s": round(first or total, 3),
        "total_s": round(total, 3),
        "predicted_n": timings.get("predicted_n"),
        "gen_tokens_per_s": round(timings.get("predicted_per_second", 0.0), 1),
        "prompt_n": timings.get("prompt_n"),
        "prompt_tokens_per_s": round(timings.get("prompt_per_second", 0.0), 1),
    }


def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Child process: serve one GGUF with llama.cpp.")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--alias", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--ctx-size", type=int, default=DEFAULT_CTX_SIZE)
    parser.add_argument("--host", default=LOOPBACK)
    parser.add_argument("--parallel", type=int, default=1)
    parser.add_argument("--ubatch", type=int, default=DEFAULT_UBATCH)
    parser.add_argument("--flash-attn", choices=("auto", "on", "off"), default="auto")
    parser.add_argument("--spec-ngram", default="")
    parser.add_argument("--parent-pid", type=int, default=None)
    args = parser.parse_args(argv)
    options = ServerOptions(
        model_path=args.model, alias=args.alias, port=args.port, threads=args.threads,
        ctx_size=args.ctx_size, host=args.host, parallel=args.parallel, ubatch=args.ubatch,
        flash_attn=args.flash_attn, spec_ngram=args.spec_ngram,
    )
    _run_in_process(options, stop=threading.Event(), parent_pid=args.parent_pid)


if __name__ == "__main__":
    _main()
