"""Wallets and coin unlocks: the money flows viewers start, on top of the ledger."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BindParameter, ScalarSelect, bindparam, exists, or_, select
from sqlalchemy.orm import Session

from cliffhanger.accounts.models import Viewer
from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.models import Episode, EpisodeStatus, Series
from cliffhanger.commerce import access, ledger, limits, pricing
from cliffhanger.commerce.models import (
    AccountKind,
    Entitlement,
    EntitlementSource,
    LotKind,
    TransferKind,
)
from cliffhanger.commerce.sales_models import Channel, ChannelDiscount, PriceLock, SpendLimit
from cliffhanger.config import Settings
from cliffhanger.db import utcnow
from cliffhanger.errors import InsufficientCoins, Invalid, NotFound

IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9._:\-]{8,128}$")


def check_idempotency_key(key: str) -> str:
    if not IDEMPOTENCY_KEY_RE.match(key or ""):
        raise Invalid(
            "idempotency_key must be 8 to 128 characters of letters, digits, '.', '_', ':' or '-'.",
            field="idempotency_key",
        )
    return key


def welcome_viewer(session: Session, settings: Settings, viewer_id: str) -> None:
    """Open a new viewer's accounts and grant the welcome bonus, if one is configured."""
    ledger.open_viewer_accounts(session, viewer_id)
    if settings.welcome_coins > 0:
        ledger.grant_coins(
            session, viewer_id, settings.welcome_coins, lot_kind=LotKind.bonus,
            key=f"welcome:{viewer_id}", kind=TransferKind.welcome_bonus,
            expires_at=utcnow() + timedelta(days=settings.welcome_coins_expire_days),
            memo="welcome bonus",
        )


@dataclass(frozen=True)
class UnlockResult:
    episode_id: str
    method: str
    """How the episode is open: `coins` (this or an earlier unlock), `ad`, `grant`,
    `series_pass` or `subscription`."""
    price_coins: int
    charged_coins: int
    balance: ledger.Balance
    created: bool
    entitlement: Entitlement | None = None


@dataclass(frozen=True)
class UnlockContext:
    """Everything an unlock decides on besides the wallet, read in one statement."""

    series_wide: str | None
    locked_price: int | None
    channel: Channel
    discount_bps: int
    has_own_coin_limit: bool


def _discount(channel: Channel) -> ScalarSelect[int]:
    return select(ChannelDiscount.discount_bps).where(
        ChannelDiscount.series_id == bindparam("series"), ChannelDiscount.channel == channel
    ).scalar_subquery()


_VIEWER: BindParameter[str] = bindparam("viewer")
_SERIES: BindParameter[str] = bindparam("series")
_NOW: BindParameter[datetime] = bindparam("now")
_UNLOCK_CONTEXT = select(
    exists().where(access.active_pass_clause(_VIEWER, _SERIES)),
    exists().where(access.live_subscription_clause(_VIEWER, _NOW)),
    select(PriceLock.price_coins).where(
        PriceLock.viewer_id == _VIEWER, PriceLock.series_id == _SERIES
    ).scalar_subquery(),
    Viewer.tiktok_open_id,
    _discount(Channel.web),
    _discount(Channel.tiktok_minis),
    exists().where(SpendLimit.viewer_id == _VIEWER, SpendLimit.unit == limits.COIN),
).where(Viewer.id == _VIEWER)
_ENTITLEMENTS = select(Entitlement).where(
    Entitlement.viewer_id == bindparam("viewer"),
    or_(Entitlement.request_key == bindparam("key"),
        Entitlement.episode_id == bindparam("episode")),
)


def unlock_context(
    session: Session, viewer_id: str, series_id: str, now: datetime
) -> UnlockContext:
    row = session.execute(
        _UNLOCK_CONTEXT, {"viewer": viewer_id, "series": series_id, "now": now}
    ).one_or_none()
    if row is None:
        raise NotFound("No such viewer.")
    has_pass, has_sub, locked, open_id, web_bps, minis_bps, has_limit = row
    channel = Channel.tiktok_minis if open_id else Channel.web
    return UnlockContext(
        series_wide="series_pass" if has_pass else "subscription" if has_sub else None,
        locked_price=locked, channel=channel,
        discount_bps=int((minis_bps if open_id else web_bps) or 0),
        has_own_coin_limit=bool(has_limit),
    )


@dataclass(frozen=True)
class EpisodeFacts:
    id: str
    number: int
    series_id: str
    series_title: str
    organisation_id: str
    free: bool
    price_coins: int
    """The series' list price per episode."""


_EPISODE_FACTS = (
    select(Episode.id, Episode.number, Series.id, Series.title, Series.organisation_id,
           Series.free_episodes, Series.price_coins)
    .join(Series, Series.id == Episode.series_id)
    .where(Episode.id == bindparam("episode"), Episode.status == EpisodeStatus.ready)
)


def _episode_facts(session: Session, episode_id: str) -> EpisodeFacts:
    """What an unlock needs of a viewable episode, in one statement. Same rule as
    `catalog.viewable_episode` (ready episodes only; anything else is `NotFound`)."""
    row = session.execute(_EPISODE_FACTS, {"episode": episode_id}).one_or_none()
    if row is None:
        raise NotFound("No such episode.")
    ep_id, number, series_id, title, org_id, free_episodes, price = row
    return EpisodeFacts(ep_id, number, series_id, title, org_id, number <= free_episodes, price)


def unlock_with_coins(
    session: Session, viewer_id: str, episode_id: str, idempotency_key: str,
    now: datetime | None = None, settings: Settings | None = None,
) -> UnlockResult:
    """Unlock one episode for coins in the caller's transaction, exactly once.

    The same idempotency key returns the first result without charging again; an episode that is
    already open (entitlement, pass, subscription) charges nothing. The viewer's wallet is locked
    before any check, so concurrent requests for one wallet run one after another and the spend
    cap is checked against what was really spent. This is the hottest money path, so it reads
    what it needs in few statements: episode, wallet lock, entitlements, one context query, lots.
    """
    now = now or utcnow()
    check_idempotency_key(idempotency_key)
    episode = _episode_facts(session, episode_id)
    wallet = ledger.lock_wallet(session, viewer_id)

    def balance() -> ledger.Balance:
        return ledger.spendable_balance(session, viewer_id, now)

    found = session.scalars(
        _ENTITLEMENTS, {"viewer": viewer_id, "key": idempotency_key, "episode": episode.id}
    ).all()
    prior = next((e for e in found if e.request_key == idempotency_key), None)
    if prior is not None:
        ledger.require_unique_request(prior.episode_id, episode.id)
        return UnlockResult(prior.episode_id, str(prior.source), prior.price_coins,
                            prior.price_coins, balance(), False, prior)

    if episode.free:
        raise Invalid("This episode is free; it needs no unlock.", code="episode_free")
    if found:
        existing = found[0]
        return UnlockResult(existing.episode_id, str(existing.source), existing.price_coins, 0,
                            balance(), False, existing)
    ctx = unlock_context(session, viewer_id, episode.series_id, now)
    locked = ctx.locked_price
    if locked is None:  # starting the series
        locked = pricing.lock_price_at(session, viewer_id, episode.series_id, episode.price_coins)
    price = pricing.discounted(min(episode.price_coins, locked), ctx.discount_bps)
    if ctx.series_wide is not None:
        return UnlockResult(episode.id, ctx.series_wide, price, 0, balance(), False)

    after = None
    if price > 0:
        if settings is not None and (ctx.has_own_coin_limit or settings.spend_cap_coins_day
                                     or settings.spend_cap_coins_month):
            limits.check(session, settings, viewer_id, limits.COIN, price, now)
        revenue = ledger.account_id(session, AccountKind.org_revenue, episode.organisation_id)
        try:
            after = ledger.spend_coins(
                session, viewer_id, price, credit=revenue,
                key=f"unlock:{viewer_id}:{idempotency_key}", kind=TransferKind.unlock,
                episode_id=episode.id, now=now, memo=f"{episode.series_title} #{episode.number}",
                wallet=wallet,
            ).balance_after
        except InsufficientCoins as exc:
            series, _episode = catalog.viewable_episode(session, episode.id)
            episodes = catalog.series_access(session, viewer_id, series)
            raise InsufficientCoins(
                f"Unlocking episode {episode.number} costs {price} coins; the wallet holds "
                f"{exc.extra.get('balance_coins', 0)}.",
                price_coins=price,
                balance_coins=exc.extra.get("balance_coins", 0),
                cost_to_finish_coins=catalog.cost_to_finish(episodes),
            ) from exc
    entitlement = Entitlement(
        viewer_id=viewer_id, episode_id=episode.id, series_id=episode.series_id,
        source=EntitlementSource.coins, price_coins=price, request_key=idempotency_key,
        created_at=now,
    )
    session.add(entitlement)
    return UnlockResult(episode.id, "coins", price, price, after or balance(), True, entitlement)
