"""Rewarded-ad sessions and the AdMob-style server-side verification callback."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from cliffhanger.access import admob, ads
from cliffhanger.access.models import AdSession, AdStatus
from cliffhanger.access.schemas import AdComplete, AdSessionCreate, AdSessionView
from cliffhanger.accounts.deps import ViewerDep, per_viewer
from cliffhanger.inbox import service as inbox
from cliffhanger.kit.config import Settings
from cliffhanger.kit.db import utcnow
from cliffhanger.kit.http import RuntimeDep
from cliffhanger.kit.runtime import Runtime

router = APIRouter(prefix="/api/v1", tags=["ads"])


def session_view(settings: Settings, ad: AdSession, allowance: ads.AdAllowance) -> AdSessionView:
    return AdSessionView(
        ad_session_id=ad.id, episode_id=ad.episode_id, provider=ad.provider,
        status=str(ad.status), min_watch_s=ad.min_watch_s, started_at=ad.started_at,
        expires_at=ad.started_at + timedelta(seconds=settings.ad_session_ttl_s),
        unlocked=ad.status is AdStatus.completed, remaining_today=allowance.remaining_today,
        daily_cap=allowance.daily_cap,
        ssv={"custom_data": ad.id, "user_id": ad.viewer_id} if ad.provider == "admob" else None,
        ad_unit_id={"tiktok": settings.tiktok_ad_unit_id, "admob": settings.admob_ad_unit_id}.get(
            ad.provider
        ),
    )


@router.post("/ad-sessions", status_code=201, response_model=AdSessionView,
             dependencies=[per_viewer("ad")],
             responses={403: {"description": "Daily ad cap reached"},
                        409: {"description": "Already unlocked"}})
def start_ad(body: AdSessionCreate, rt: RuntimeDep, viewer: ViewerDep) -> AdSessionView:
    """Start a single-use rewarded-ad session for a locked episode. Show the ad, then call
    `complete` once `min_watch_s` have passed (AdMob: the network's callback completes it)."""
    now = utcnow()
    with rt.db.session() as session:
        ad = ads.start(session, rt.settings, viewer.id, body.episode_id, body.provider, now)
        return session_view(rt.settings, ad, ads.allowance(session, rt.settings, viewer.id, now))


@router.get("/ad-sessions/{session_id}", response_model=AdSessionView)
def get_ad(session_id: str, rt: RuntimeDep, viewer: ViewerDep) -> AdSessionView:
    with rt.db.session() as session:
        ad = ads.viewer_session(session, viewer.id, session_id)
        allowance = ads.allowance(session, rt.settings, viewer.id, utcnow())
        return session_view(rt.settings, ad, allowance)


@router.post("/ad-sessions/{session_id}/complete", response_model=AdSessionView,
             dependencies=[per_viewer("ad")],
             responses={403: {"description": "Daily ad cap reached"},
                        409: {"description": "Too early, closed early, expired or already used"}})
def complete_ad(session_id: str, rt: RuntimeDep, viewer: ViewerDep,
                body: AdComplete | None = None) -> AdSessionView:
    """Unlock the episode when the ad ran at least `min_watch_s` on the server's clock, once per
    session and within the daily cap. Calling it again returns the first result."""
    now = utcnow()
    with rt.db.session() as session:
        result = ads.complete(session, rt.settings, viewer.id, session_id,
                              is_ended=body.is_ended if body else None, now=now)
        view = session_view(rt.settings, result.session,
                            ads.allowance(session, rt.settings, viewer.id, now))
    if result.error is not None:
        raise result.error  # the session is closed for good (committed above)
    return view


def _admob(rt: Runtime, query: str) -> None:
    event = admob.parse_callback(rt.settings, query)
    with rt.db.session() as session:
        inbox.record(session, event, query, ads.REWARD_TASK)


@router.get("/webhooks/admob", tags=["webhooks"])
async def admob_callback(request: Request, rt: RuntimeDep) -> dict[str, bool]:
    """AdMob-style server-side verification: ECDSA over the query string, keys by `key_id`."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    await run_in_threadpool(_admob, rt, query)
    return {"ok": True}
