"""Loopback servers the scale tests start and stop: a Chroma server, the pre-forked app, a webhook sink."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from evals.loadstats import free_port

ROOT = Path(__file__).resolve().parents[2]


def wait_http(url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            if httpx.get(url, timeout=2.0, trust_env=False).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def stop_process(proc: subprocess.Popen, timeout: float = 20.0) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after timeout."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # children the leader left behind, if any
    except ProcessLookupError:
        pass
    proc.wait(5)


class ChromaServer:
    """`chroma run` on a free loopback port with its data in `path`."""

    def __init__(self, path: Path, log: Path):
        self.path, self.log, self.port = path, log, free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ChromaServer:
        chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
        if chroma is None:
            raise RuntimeError("the chroma CLI (from the chromadb package) is not installed")
        env = os.environ | {"ANONYMIZED_TELEMETRY": "False"}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([chroma, "run", "--path", str(self.path), "--host", "127.0.0.1",
                                          "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT,
                                         env=env, start_new_session=True)
        wait_http(f"{self.url}/api/v2/heartbeat", timeout=60, proc=self.proc)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            stop_process(self.proc)


class AppServer:
    """The served app under tests/scale/zygote.py: N forked workers behind one port."""

    def __init__(self, env: dict[str, str], workers: int, workdir: Path):
        self.env, self.workers, self.workdir = env, workers, workdir
        self.port = free_port()
        self.pids_file = workdir / "worker.pids"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> None:
        self.pids_file.unlink(missing_ok=True)
        with open(self.workdir / "server.log", "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.scale.zygote", "--port", str(self.port), "--workers",
                 str(self.workers), "--pids", str(self.pids_file)],
                cwd=ROOT, env=os.environ | self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_http(f"{self.url}/healthz", timeout=timeout, proc=self.proc)

    def worker_pids(self) -> list[int]:
        try:
            return [int(x) for x in self.pids_file.read_text(encoding="utf-8").split()]
        except (FileNotFoundError, ValueError):
            return []

    def ready_pids(self) -> list[int]:
        """Live workers that finished start-up (recovery included) and serve requests."""
        return [pid for pid in self.worker_pids() if (self.workdir / f"ready.{pid}").exists()]

    def kill_worker(self, pid: int) -> bool:
        try:
            os.kill(pid, signal.SIGKILL)
            return True
        except ProcessLookupError:
            return False

    def kill_all(self) -> int:
        """SIGKILL the supervisor and every worker at once; returns how many processes were killed."""
        assert self.proc is not None
        victims = 1 + len(self.worker_pids())
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        return victims

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None


class WebhookSink:
    """A fake outbound receiver: records every POST with its Idempotency-Key (the notifier's target)."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                json.loads(body)
                with sink._lock:
                    sink.keys.append(self.headers.get("Idempotency-Key", ""))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> WebhookSink:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(self.keys)
