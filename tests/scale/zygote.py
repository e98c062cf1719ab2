"""A pre-forking server for crash tests: the real served app in N worker processes behind one port.

`python -m tests.scale.zygote --port P --workers N --pids FILE` imports the application once, binds the
port, and forks N children; each child builds `api.app.create_served_app()` (settings from the
`REDACCOUNT_*` environment, recovery on start, FCR tick, notifier) and serves it with uvicorn on the
shared socket. A child that dies is replaced at once, like uvicorn's own supervisor does, but in tens of
milliseconds instead of the ~10 s a fresh interpreter needs to import chromadb and friends, so a crash
test can SIGKILL workers hundreds of times. The live child pids are written to FILE after every change,
and each child touches `ready.<pid>` next to it once it has recovered and serves.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import time
from pathlib import Path


def _child(sock: socket.socket, ready_dir: Path) -> None:
    import uvicorn

    from api.app import create_served_app

    class _Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            (ready_dir / f"ready.{os.getpid()}").touch()  # recovered and serving: the driver may aim here

    try:
        app = create_served_app()
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                                timeout_graceful_shutdown=5)
        _Server(config).run(sockets=[sock])
    finally:
        os._exit(0)


def _write_pids(path: Path, pids: set[int]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(str(p) for p in sorted(pids)), encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--pids", type=Path, required=True)
    args = parser.parse_args(argv)

    # Warm the imports the children need: a fork then costs milliseconds, not a fresh interpreter.
    import chromadb  # noqa: F401
    import uvicorn  # noqa: F401

    import api.app  # noqa: F401
    import graph.runtime  # noqa: F401
    import knowledge.embeddings  # noqa: F401

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(2048)
    sock.set_inheritable(True)

    children: set[int] = set()
    stopping = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    while not stopping:
        while len(children) < args.workers and not stopping:
            pid = os.fork()
            if pid == 0:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                _child(sock, args.pids.parent)
            children.add(pid)
            _write_pids(args.pids, children)
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            pid = 0
        if pid:
            children.discard(pid)
            _write_pids(args.pids, children)
        else:
            time.sleep(0.02)
    for pid in children:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 15
    while children and time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid:
            children.discard(pid)
        else:
            time.sleep(0.05)
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    sys.exit(0)


if __name__ == "__main__":
    main()
