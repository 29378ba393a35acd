"""Queue tasks of the orders domain (thin: they call the services)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from cliffhanger.inbox import service as inbox
from cliffhanger.kit.queue import periodic_task, task
from cliffhanger.kit.runtime import current
from cliffhanger.orders import maintenance, sandbox_gateway, webhooks
from cliffhanger.orders.providers import sandbox


@task(name=webhooks.HANDLE_TASK, retries=5, retry_delay=5)
def handle_webhook(event_id: str) -> str | None:
    rt = current()
    try:
        with rt.db.session() as session:
            return webhooks.handle(session, rt.settings, event_id)
    except Exception as exc:
        inbox.record_failure(rt, event_id, repr(exc))
        raise


@task(name=sandbox.DELIVER_TASK, retries=8, retry_delay=3)
def sandbox_deliver(body: str) -> None:
    sandbox_gateway.deliver(current(), body)


@periodic_task(name="commerce.sweep", minute="*")
def sweep() -> dict[str, Any]:
    return asdict(maintenance.sweep(current()))
