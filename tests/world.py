"""Helpers for viewer-app tests: catalogue rows without media, events, viewers.

Discovery, search, the library and analytics only read database rows, so most tests create
ready episodes directly (as tests/commerce does) instead of packaging real media; subtitle and
playback tests use really packaged episodes (tests.helpers.publish_series).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from cliffhanger.accounts import service as accounts
from cliffhanger.catalog import metadata
from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.models import Episode, EpisodeStatus
from cliffhanger.kit.db import utcnow
from cliffhanger.kit.runtime import Runtime


def db_series(
    rt: Runtime, org_key: str, *, title: str | None = None, episodes: int = 3,
    free_episodes: int = 2, price_coins: int = 60, duration_s: float = 60.0,
    genres: list[str] | None = None, tags: list[str] | None = None,
    published_at: datetime | None = None, language: str = "en", synopsis: str = "",
) -> tuple[str, list[str]]:
    """A series with `episodes` ready episode rows (no media behind them)."""
    with rt.db.session() as session:
        org = accounts.authenticate_api_key(session, org_key)
        series = catalog.create_series(
            session, org, title=title or f"Series {uuid.uuid4().hex[:6]}", synopsis=synopsis,
            free_episodes=free_episodes, price_coins=price_coins,
        )
        ids = []
        for n in range(1, episodes + 1):
            ep = Episode(
                series_id=series.id, number=n, title=f"Episode {n}", status=EpisodeStatus.ready,
                master_key="masters/none", master_sha256="0" * 64, width=360, height=640,
                duration_s=duration_s, hls_prefix=f"hls/{uuid.uuid4().hex}/v1-test",
                renditions="360p",
            )
            session.add(ep)
            session.flush()
            ids.append(ep.id)
        metadata.update_series(
            session, org, series.id, language=language, genres=genres or [], tags=tags or [],
            published_at=published_at or utcnow() - timedelta(days=1),
        )
    return series.id, ids


def event(type_: str, episode_id: str, **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "event_id": str(uuid.uuid4()), "type": type_, "episode_id": episode_id,
        "occurred_at": utcnow().isoformat(),
    }
    body.update(extra)
    return body


def post_events(
    client: TestClient, headers: dict[str, str], events: list[dict[str, object]]
) -> dict:
    r = client.post("/api/v1/events", headers=headers, json={"events": events})
    assert r.status_code == 200, r.text
    return r.json()


def feed_ids(client: TestClient, headers: dict[str, str], **params: object) -> list[str]:
    r = client.get("/api/v1/feed", headers=headers, params={"limit": 50, **params})
    assert r.status_code == 200, r.text
    return [item["series"]["id"] for item in r.json()["items"]]
