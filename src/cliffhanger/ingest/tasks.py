"""Queue tasks of the media domain (thin: they call `media.service`)."""

from __future__ import annotations

from cliffhanger.ingest import service
from cliffhanger.kit.queue import periodic_task, task
from cliffhanger.kit.runtime import current


@task(name=service.PACKAGE_TASK, retries=0)
def package_episode(episode_id: str) -> str | None:
    status = service.package_episode(current(), episode_id)
    return status.value if status else None


@periodic_task(name="media.sweep_stale", minute="*")
def sweep_stale() -> list[str]:
    return service.sweep_stale(current())
