"""Rewarded-ad unlocks: single-use sessions bound to one viewer and one episode.

The client is never trusted about the reward. The server starts the clock (`started_at`), and a
session pays out only when
- at least `min_watch_s` seconds have passed on the server's clock (or, for a server-side verified
  network, by the network's signed reward time),
- it was not used before (the session row is locked and moves from `started` exactly once),
- the viewer still has a slot of today's cap (UTC day), checked after taking the viewer's wallet
  lock, in the same transaction that writes the entitlement. The slot number is stored with a
  unique (viewer, day, slot) constraint, so even a bug elsewhere could not pass the cap.

Providers: `sandbox` (an ad screen with a countdown in our app), `tiktok` (the client reports
`isEnded` from `TTMinis.createRewardedVideoAd`; TikTok has no server callback, so everything else
is enforced here), and `admob` (AdMob-style server-side verification callbacks, signed with ECDSA,
see `providers.admob`). Ad unlocks never touch coin balances.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cliffhanger.access import rules as access
from cliffhanger.access.models import AdSession, AdStatus
from cliffhanger.catalog import service as catalog
from cliffhanger.inbox import service as inbox
from cliffhanger.kit.config import Settings
from cliffhanger.kit.db import utcnow
from cliffhanger.kit.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from cliffhanger.ledger import service as ledger
from cliffhanger.ledger.models import Entitlement, EntitlementSource

PROVIDERS = ("sandbox", "tiktok", "admob")
SERVER_VERIFIED = ("admob",)


REWARD_TASK = "access.apply_ad_reward"
"""The queue task that applies an ad network's verified reward from the inbox."""


def cap_day(now: datetime) -> str:
    return now.astimezone(UTC).date().isoformat()


def next_reset(now: datetime) -> datetime:
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day + timedelta(days=1)


def used_today(session: Session, viewer_id: str, now: datetime) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(AdSession).where(
                AdSession.viewer_id == viewer_id, AdSession.cap_day == cap_day(now),
                AdSession.cap_slot.is_not(None),
            )
        ) or 0
    )


@dataclass(frozen=True)
class AdAllowance:
    daily_cap: int
    used_today: int
    min_watch_s: int
    resets_at: datetime

    @property
    def remaining_today(self) -> int:
        return max(0, self.daily_cap - self.used_today)


def allowance(session: Session, settings: Settings, viewer_id: str, now: datetime) -> AdAllowance:
    return AdAllowance(settings.ad_daily_cap, used_today(session, viewer_id, now),
                       settings.ad_min_watch_s, next_reset(now))


def _cap_reached(settings: Settings, now: datetime) -> Forbidden:
    reset = next_reset(now)
    return Forbidden(
        f"You have used today's {settings.ad_daily_cap} ad unlocks. More are available from "
        f"{reset.strftime('%Y-%m-%d %H:%M')} UTC.",
        code="ad_cap_reached", daily_cap=settings.ad_daily_cap, resets_at=reset.isoformat(),
    )


def start(
    session: Session, settings: Settings, viewer_id: str, episode_id: str, provider: str,
    now: datetime | None = None,
) -> AdSession:
    now = now or utcnow()
    if provider not in PROVIDERS:
        raise Invalid(f"provider must be one of {', '.join(PROVIDERS)}.", field="provider")
    series, episode = catalog.viewable_episode(session, episode_id)
    if catalog.is_free(series, episode):
        raise Invalid("This episode is free; it needs no unlock.", code="episode_free")
    if access.episode_access(session, viewer_id, series, episode, now) is not None:
        raise Conflict("This episode is already unlocked.", code="already_unlocked")
    if used_today(session, viewer_id, now) >= settings.ad_daily_cap:
        raise _cap_reached(settings, now)
    ad = AdSession(
        viewer_id=viewer_id, episode_id=episode.id, series_id=series.id, provider=provider,
        status=AdStatus.started, min_watch_s=settings.ad_min_watch_s, started_at=now,
    )
    session.add(ad)
    session.flush()
    return ad


def _lock(session: Session, session_id: str) -> AdSession | None:
    return session.scalar(
        select(AdSession).where(AdSession.id == session_id).with_for_update()
        .execution_options(populate_existing=True)
    )


def viewer_session(session: Session, viewer_id: str, session_id: str) -> AdSession:
    ad = session.get(AdSession, session_id)
    if ad is None or ad.viewer_id != viewer_id:
        raise NotFound("No such ad session.")
    return ad


@dataclass(frozen=True)
class AdResult:
    session: AdSession
    unlocked: bool
    """The episode is open for the viewer after this call."""
    rewarded: bool
    """This session produced the entitlement (used a slot of the daily cap)."""
    error: DomainError | None = None
    """Set when the session was closed without a reward; raise it after committing."""


def _reject(ad: AdSession, reason: str, now: datetime, error: DomainError) -> AdResult:
    ad.status, ad.outcome, ad.completed_at = AdStatus.rejected, reason[:200], now
    return AdResult(ad, False, False, error)


def _reward(
    session: Session, settings: Settings, ad: AdSession, now: datetime,
    reward_ref: str | None = None,
) -> AdResult:
    """Pay out a started session. The caller holds the viewer's wallet lock and the row lock."""
    if (now - ad.started_at).total_seconds() > settings.ad_session_ttl_s:
        return _reject(ad, "expired", now, Conflict(
            "This ad session has expired; start a new one.", code="ad_session_expired"))
    watched = (now - ad.started_at).total_seconds()
    if watched < ad.min_watch_s:
        wait = ad.min_watch_s - watched
        raise Conflict(
            f"The ad has not run long enough yet ({watched:.0f} of {ad.min_watch_s} seconds).",
            code="ad_too_short", retry_after_s=round(wait, 1),
        )
    series, episode = catalog.viewable_episode(session, ad.episode_id)
    if access.episode_access(session, ad.viewer_id, series, episode, now) is not None:
        ad.status, ad.outcome, ad.completed_at = AdStatus.completed, "already unlocked", now
        return AdResult(ad, True, False)
    used = used_today(session, ad.viewer_id, now)
    if used >= settings.ad_daily_cap:
        return _reject(ad, "daily cap reached", now, _cap_reached(settings, now))
    ad.status, ad.completed_at, ad.outcome = AdStatus.completed, now, "unlocked"
    ad.cap_day, ad.cap_slot, ad.daily_cap = cap_day(now), used + 1, settings.ad_daily_cap
    ad.reward_ref = reward_ref
    session.add(Entitlement(
        viewer_id=ad.viewer_id, episode_id=episode.id, series_id=series.id,
        source=EntitlementSource.ad, price_coins=0, request_key=f"ad:{ad.id}", created_at=now,
    ))
    session.flush()
    return AdResult(ad, True, True)


def complete(
    session: Session, settings: Settings, viewer_id: str, session_id: str, *,
    is_ended: bool | None = None, now: datetime | None = None,
) -> AdResult:
    """The client says the ad finished. Replays of a completed session return the first result."""
    now = now or utcnow()
    viewer_session(session, viewer_id, session_id)
    ledger.lock_wallet(session, viewer_id)
    ad = _lock(session, session_id)
    assert ad is not None
    if ad.status is AdStatus.completed:
        return AdResult(ad, True, False)
    if ad.status is AdStatus.rejected:
        raise Conflict(f"This ad session is closed ({ad.outcome}).", code="ad_session_closed")
    if ad.provider in SERVER_VERIFIED:
        raise Conflict("Waiting for the ad network to confirm the reward; try again shortly.",
                       code="ad_pending_verification", retry_after_s=2)
    if ad.provider == "tiktok" and is_ended is not True:
        result = _reject(ad, "closed before the end", now, Conflict(
            "The ad was closed before the end, so it unlocks nothing.", code="ad_not_finished"))
    else:
        result = _reward(session, settings, ad, now)
    session.flush()
    return result


def apply_network_reward(
    session: Session, settings: Settings, data: dict[str, Any], now: datetime
) -> str:
    """A verified server-side reward callback (from the inbox)."""
    ad = session.get(AdSession, str(data.get("session_id") or ""))
    if ad is None or ad.provider not in SERVER_VERIFIED:
        return "ignored: unknown ad session"
    if data.get("user_id") and data["user_id"] != ad.viewer_id:
        return "ignored: the reward names another viewer"
    ledger.lock_wallet(session, ad.viewer_id)
    locked = _lock(session, ad.id)
    assert locked is not None
    if locked.status is not AdStatus.started:
        return f"ignored: session already {locked.status}"
    reward_at = now
    if data.get("reward_ts") is not None:
        reward_at = min(now, datetime.fromtimestamp(float(data["reward_ts"]), tz=UTC))
    try:
        result = _reward(session, settings, locked, reward_at,
                         reward_ref=data.get("transaction_id"))
    except Conflict as exc:
        # Signed proof that the ad ended too early: this session can never pay out.
        _reject(locked, "reward came before the minimum watch time", now, exc)
        session.flush()
        return "rejected: too short"
    if result.error is not None:
        return f"rejected: {locked.outcome}"
    return "unlocked" if result.rewarded else "already unlocked"


def apply_reward_event(
    session: Session, settings: Settings, event_id: str, now: datetime | None = None
) -> str | None:
    """Apply one inbox row holding an ad network's verified reward, exactly once."""
    now = now or utcnow()
    return inbox.apply(
        session, event_id,
        lambda _row, data: apply_network_reward(session, settings, data, now), now,
    )
