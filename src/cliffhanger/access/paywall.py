"""What a locked episode's paywall shows: the episode price, the cost to finish the series, the
wallet, and every other way in (rewarded ad, series pass, subscription, coin packs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cliffhanger.access import ads, rules
from cliffhanger.catalog.models import Episode, Series
from cliffhanger.kit.config import Settings
from cliffhanger.kit.db import utcnow
from cliffhanger.ledger import service as ledger
from cliffhanger.orders.service import offer_view
from cliffhanger.pricing import offers
from cliffhanger.pricing import service as pricing
from cliffhanger.pricing.models import OfferKind


def paywall(
    session: Session, settings: Settings, viewer_id: str, series: Series, episode: Episode,
    now: datetime | None = None,
) -> dict[str, Any]:
    now = now or utcnow()
    episodes = rules.series_access(session, viewer_id, series)
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
        "cost_to_finish_coins": rules.cost_to_finish(episodes),
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
