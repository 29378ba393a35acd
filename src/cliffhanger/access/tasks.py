"""Queue tasks of the access domain (thin: they call the services)."""

from __future__ import annotations

from cliffhanger.access import ads
from cliffhanger.inbox import service as inbox
from cliffhanger.kit.queue import task
from cliffhanger.kit.runtime import current


@task(name=ads.REWARD_TASK, retries=5, retry_delay=5)
def apply_ad_reward(event_id: str) -> str | None:
    rt = current()
    try:
        with rt.db.session() as session:
            return ads.apply_reward_event(session, rt.settings, event_id)
    except Exception as exc:
        inbox.record_failure(rt, event_id, repr(exc))
        raise
