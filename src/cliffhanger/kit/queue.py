"""The job queue: Huey on SQLite (embedded) or on Redis (scale-out), and enqueue-after-commit.

Task functions are registered here with `@task(...)` / `@periodic_task(...)` at import time and
bound to whichever Huey instance the runtime builds from settings, so the same task code runs in
consumer threads inside `cliffhanger serve` and in any number of `cliffhanger worker` processes.

Jobs are enqueued only after the database transaction that asked for them commits: a worker never
sees a row that was rolled back, and a rolled-back request never leaves a job behind.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey
from huey.consumer import Consumer
from sqlalchemy import event
from sqlalchemy.orm import Session

from cliffhanger.kit.config import Settings

log = logging.getLogger(__name__)

PENDING_KEY = "cliffhanger.pending_jobs"


@dataclass(frozen=True)
class TaskSpec:
    name: str
    fn: Callable[..., Any]
    retries: int
    retry_delay: int
    cron: dict[str, str] | None = None


_REGISTRY: dict[str, TaskSpec] = {}


def task(
    *, name: str, retries: int = 0, retry_delay: int = 10
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _REGISTRY[name] = TaskSpec(name, fn, retries, retry_delay)
        return fn

    return register


def periodic_task(*, name: str, **cron: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`cron` takes crontab fields: minute, hour, day, month, day_of_week."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _REGISTRY[name] = TaskSpec(name, fn, 0, 0, cron)
        return fn

    return register


def registered_tasks() -> dict[str, TaskSpec]:
    return dict(_REGISTRY)


class _EmbeddedConsumer(Consumer):
    """A consumer that runs in threads of a host process and leaves its signals alone."""

    def _set_signal_handlers(self) -> None:
        return None


class JobQueue:
    def __init__(self, settings: Settings) -> None:
        import_task_modules()
        self.settings = settings
        if settings.queue_is_redis:
            self.huey: Huey = RedisHuey(settings.queue_name, url=settings.queue_url, results=False)
        else:
            settings.ensure_dirs()
            path = settings.queue_url or str(settings.resolved_data_dir / "queue.db")
            if path.startswith("sqlite:///"):
                path = path[len("sqlite:///") :]
            self.huey = SqliteHuey(settings.queue_name, filename=path, results=False)
        self._wrappers: dict[str, Any] = {}
        for spec in _REGISTRY.values():
            if spec.cron is not None:
                wrapper = self.huey.periodic_task(crontab(**spec.cron), name=spec.name)(spec.fn)
            else:
                wrapper = self.huey.task(
                    retries=spec.retries, retry_delay=spec.retry_delay, name=spec.name
                )(spec.fn)
            self._wrappers[spec.name] = wrapper

    def enqueue(self, name: str, *args: Any) -> None:
        try:
            wrapper = self._wrappers[name]
        except KeyError as exc:
            raise LookupError(f"no task named {name!r}") from exc
        wrapper(*args)

    def pending_count(self) -> int:
        return int(self.huey.pending_count())

    def flush(self) -> None:
        self.huey.flush()

    def consumer(self, workers: int, *, embedded: bool, periodic: bool = True) -> Consumer:
        cls = _EmbeddedConsumer if embedded else Consumer
        return cls(
            self.huey,
            workers=max(1, workers),
            worker_type="thread",
            periodic=periodic,
            initial_delay=0.05,
            max_delay=1.0,
            backoff=1.15,
            scheduler_interval=1,
        )


def enqueue_after_commit(session: Session, name: str, *args: Any) -> None:
    """Ask for a job that is enqueued only if (and when) `session` commits."""
    session.info.setdefault(PENDING_KEY, []).append((name, args))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    jobs = session.info.pop(PENDING_KEY, None)
    if not jobs:
        return
    from cliffhanger.kit.runtime import current

    queue = current().queue
    for name, args in jobs:
        try:
            queue.enqueue(name, *args)
        except Exception:
            # The transaction is already committed; the periodic sweeper re-enqueues stale work.
            log.exception("could not enqueue %s%r after commit", name, args)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: Any) -> None:
    session.info.pop(PENDING_KEY, None)


TASK_MODULES = (
    "cliffhanger.orders.tasks",
    "cliffhanger.access.tasks",
    "cliffhanger.ingest.tasks",
)
"""The one task registry: every domain module that defines queue tasks, by name, so the queue
(layer 0) finds them in any process without importing a domain (which would point upward)."""


def import_task_modules() -> None:
    """Import every domain's tasks so the registry is complete in any process."""
    for name in TASK_MODULES:
        importlib.import_module(name)
