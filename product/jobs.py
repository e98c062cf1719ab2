"""Jobs on huey: one registry, one queue API, the same job functions in-process or in worker processes.

Register a job with `@job(...)` in a module listed in `product.registry.JOB_MODULES`; it receives the
Product first and JSON-able keyword arguments. Enqueue with `product.jobs.enqueue(fn, **kwargs)` or
`product.jobs.schedule_at(when, fn, **kwargs)`. Storage (docs/deployment.md has the measurement):

- SQLite database (one machine): a huey SQLite file beside it; `redaccount serve` runs the consumer
  threads in-process.
- PostgreSQL: huey's PostgreSQL storage in the same database, or Redis when `REDACCOUNT_JOBS_URL` is
  `redis://...`; `redaccount worker` runs consumer processes, as many as wanted.
- Tests: `MemoryHuey(immediate=True)` runs a job inside `enqueue`.

A job is a trigger, never the only copy of work: what it must do is in the database first (marked
events, the assessment clock, decided approvals), so a lost job (a SIGKILLed worker, a flushed queue, an
engine that was down) is found again by the periodic sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from huey import Huey, MemoryHuey, PostgresHuey, RedisHuey, SqliteHuey, crontab

from core.settings import Settings

if TYPE_CHECKING:
    from product.root import Product

log = logging.getLogger("redaccount.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    fn: Callable[..., Any]
    retries: int
    retry_delay: float
    every_minute: bool  # periodic: run once a minute by each consumer's scheduler (jobs guard themselves)


JOBS: dict[str, Job] = {}


def job(name: str | None = None, *, retries: int = 5, retry_delay: float = 1.0,
        every_minute: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `fn(product, **kwargs)` as a job (idempotent: a retried or repeated job must be harmless)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        key = name or fn.__name__
        if key in JOBS and JOBS[key].fn is not fn:
            raise ValueError(f"two jobs named {key!r}")
        JOBS[key] = Job(key, fn, retries, retry_delay, every_minute)
        fn.job_name = key  # type: ignore[attr-defined]
        return fn

    return register


class JobEngineDown(RuntimeError):
    """The queue could not take the job (the work stays marked in the database and is swept later)."""


def make_huey(settings: Settings, immediate: bool = False) -> Huey:
    """The huey instance the settings call for (see the module docstring)."""
    if immediate:
        return MemoryHuey("redaccount", immediate=True, results=False)
    url = settings.jobs_url
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("redaccount", url=url, results=False)
    if url and url.startswith("memory:"):
        return MemoryHuey("redaccount", results=False)
    if settings.is_postgres:
        dsn = (url or settings.effective_database_url).replace("postgresql+psycopg://", "postgresql://", 1)
        return PostgresHuey("redaccount", dsn=dsn, results=False)
    settings.ensure_dirs()
    return SqliteHuey("redaccount", filename=str(url or settings.data_dir / "jobs.sqlite"), results=False)


class JobQueue:
    """The registered jobs bound to one Product on one huey instance."""

    def __init__(self, huey: Huey):
        self.huey = huey
        self._tasks: dict[str, Any] = {}
        self._consumer: Any = None

    def bind(self, product: Product) -> None:
        """Register every job with huey, each calling its function with this product."""
        from product.registry import load_jobs

        load_jobs()
        for spec in JOBS.values():
            if spec.name in self._tasks:
                continue

            def run(_spec: Job = spec, **kwargs: Any) -> Any:
                return _spec.fn(product, **kwargs)

            if spec.every_minute:
                task = self.huey.periodic_task(crontab(minute="*"), name=spec.name)(run)
            else:
                task = self.huey.task(name=spec.name, retries=spec.retries, retry_delay=spec.retry_delay)(run)
            self._tasks[spec.name] = task

    def _task(self, job_ref: Callable[..., Any] | str) -> Any:
        name = job_ref if isinstance(job_ref, str) else getattr(job_ref, "job_name", None)
        if name is None or name not in self._tasks:
            raise KeyError(f"{job_ref!r} is not a registered job (decorate it with @job and list its module in "
                           "product/registry.py)")
        return self._tasks[name]

    def enqueue(self, job_ref: Callable[..., Any] | str, **kwargs: Any) -> None:
        """Run the job as soon as a worker is free. Raises JobEngineDown if the queue is unreachable."""
        task = self._task(job_ref)
        try:
            task(**kwargs)
        except Exception as exc:
            if self.huey.immediate:
                raise
            raise JobEngineDown(f"could not enqueue {task.name}: {exc}") from exc

    def schedule_at(self, when: datetime, job_ref: Callable[..., Any] | str, **kwargs: Any) -> None:
        """Run the job at `when` (wall-clock time, aware). Raises JobEngineDown if the queue is unreachable."""
        task = self._task(job_ref)
        eta = when.astimezone(UTC).replace(tzinfo=None) if self.huey.utc else when.astimezone().replace(tzinfo=None)
        if self.huey.immediate:
            return  # tests run scheduled jobs by calling them; immediate mode would park them in memory
        try:
            task.schedule(kwargs=kwargs, eta=eta)
        except Exception as exc:
            raise JobEngineDown(f"could not schedule {task.name}: {exc}") from exc

    def queued(self, job_ref: Callable[..., Any] | str, **match: Any) -> bool:
        """Whether the job, with these keyword arguments among its own, waits in the queue or the schedule."""
        if self.huey.immediate:
            return False
        name = self._task(job_ref).name
        try:
            waiting = [*self.huey.pending(), *self.huey.scheduled()]
        except Exception as exc:
            raise JobEngineDown(f"could not read the queue: {exc}") from exc
        return any(t.name == name and all(t.kwargs.get(k) == v for k, v in match.items()) for t in waiting)

    def pending(self) -> int:
        return 0 if self.huey.immediate else int(self.huey.pending_count())

    def scheduled(self) -> int:
        return 0 if self.huey.immediate else int(self.huey.scheduled_count())

    # ---- consumers ----------------------------------------------------------------------------------

    def start(self, workers: int = 2) -> None:
        """Run consumer threads in this process (the embedded mode; also `serve` when configured)."""
        if self.huey.immediate or self._consumer is not None:
            return
        consumer = self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                             initial_delay=0.05, backoff=1.5, max_delay=0.5,
                                             check_worker_health=False)
        # The host process (uvicorn, the CLI) owns signal handling.
        consumer._set_signal_handlers = lambda: None
        consumer.start()
        self._consumer = consumer

    def stop(self) -> None:
        if self._consumer is not None:
            self._consumer.stop(graceful=True)
            self._consumer = None

    def run_worker(self, workers: int) -> None:
        """Block running a consumer (what `redaccount worker` does)."""
        self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True, initial_delay=0.05,
                                  backoff=1.5, max_delay=0.5).run()

    def close(self) -> None:
        self.stop()
        close = getattr(self.huey.storage, "close", None)
        if callable(close):
            close()
