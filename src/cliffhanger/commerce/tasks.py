"""Queue tasks of the commerce domain (thin: they call the services)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from cliffhanger.commerce import maintenance, sandbox_gateway, webhooks
from cliffhanger.commerce.providers import sandbox
from cliffhanger.queue import periodic_task, task
from cliffhanger.runtime import current


@task(name=webhooks.HANDLE_TASK, retries=5, retry_delay=5)
def handle_webhook(event_id: str) -> str | None:
    rt = current()
    try:
        with rt.db.session() as session:
            return webhooks.handle(session, rt.settings, event_id)
    except Exception as exc:
        webhooks.record_failure(rt, event_id, repr(exc))
        raise


@task(name=sandbox.DELIVER_TASK, retries=8, retry_delay=3)
def sandbox_deliver(body: str) -> None:
    sandbox_gateway.deliver(current(), body)


@periodic_task(name="commerce.sweep", minute="*")
def sweep() -> dict[str, Any]:
    return asdict(maintenance.sweep(current()))
