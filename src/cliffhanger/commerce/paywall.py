"""What a locked episode's paywall shows: the episode price, the cost to finish the series, the
wallet, and every other way in (rewarded ad, series pass, subscription, coin packs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.models import Episode, Series
from cliffhanger.commerce import ads, ledger, offers, orders, pricing
from cliffhanger.commerce.sales_models import Offer, OfferKind
from cliffhanger.config import Settings
from cliffhanger.db import utcnow


def providers_for(settings: Settings, offer: Offer) -> list[str]:
    out = []
    if settings.sandbox_payments:
        out.append(orders.SANDBOX)
    if (settings.tiktok_client_key and settings.tiktok_client_secret and offer.tiktok_beans
            and offer.kind is not OfferKind.subscription):
        out.append(orders.TIKTOK)
    return out


def offer_view(settings: Settings, offer: Offer) -> dict[str, Any]:
    return {
        "id": offer.id, "kind": str(offer.kind), "title": offer.title,
        "price_minor": offer.price_minor, "currency": offer.currency,
        "tiktok_beans": offer.tiktok_beans, "coins": offer.coins, "bonus_coins": offer.bonus_coins,
        "bonus_expires_days": offer.bonus_expires_days,
        "period": str(offer.period) if offer.period else None, "series_id": offer.series_id,
        "providers": providers_for(settings, offer),
    }


def paywall(
    session: Session, settings: Settings, viewer_id: str, series: Series, episode: Episode,
    now: datetime | None = None,
) -> dict[str, Any]:
    now = now or utcnow()
    episodes = catalog.series_access(session, viewer_id, series)
    locked = [a for a in episodes if not a.unlocked]
    price = pricing.episode_price(session, viewer_id, series)
    balance = ledger.spendable_balance(session, viewer_id, now).total
    allowance = ads.allowance(session, settings, viewer_id, now)
    series_pass = offers.series_pass_offer(session, series.id)
    listed = offers.list_offers(session)
    return {
        "episode_id": episode.id,
        "series_id": series.id,
        "price_coins": price,
        "list_price_coins": series.price_coins,
        "price_locked": pricing.locked_price(session, viewer_id, series.id) is not None,
        "balance_coins": balance,
        "short_by_coins": max(0, price - balance),
        "cost_to_finish_coins": catalog.cost_to_finish(episodes),
        "locked_episodes": len(locked),
        "debt_coins": ledger.debt_coins(session, viewer_id),
        "ad": {
            "available": allowance.remaining_today > 0,
            "remaining_today": allowance.remaining_today, "daily_cap": allowance.daily_cap,
            "min_watch_s": allowance.min_watch_s, "resets_at": allowance.resets_at.isoformat(),
        },
        "series_pass": offer_view(settings, series_pass) if series_pass else None,
        "subscriptions": [offer_view(settings, o) for o in listed
                          if o.kind is OfferKind.subscription],
        "coin_packs": [offer_view(settings, o) for o in listed if o.kind is OfferKind.coin_pack],
    }
