"""Shared pieces of the HTTP load benchmarks: a free loopback port and the latency summary."""

from __future__ import annotations

import socket
from dataclasses import dataclass


@dataclass
class LoadFigures:
    """Throughput and latency of one measured load phase."""

    name: str
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float


def summarise(name: str, latencies: list[float], errors: int, seconds: float) -> LoadFigures:
    """Requests/s and the p50/p99 latency (ms) of latencies given in seconds."""
    ordered = sorted(latencies) or [0.0]

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return LoadFigures(name, len(latencies), errors, seconds, round(len(latencies) / seconds, 1),
                       pick(0.50), pick(0.99))


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
