"""Offers: coin packs and subscriptions (platform-wide), series passes (one per series, priced by
its organisation), and the per-series pricing studios control.

The default platform offers (three coin packs, VIP weekly and monthly) are seeded by the `0002`
migration; an operator changes them in the `offer` table. Prices are integers in minor units of
the offer's currency; `tiktok_beans` is the price inside TikTok Minis (Beans), null when the
offer is not sold there.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cliffhanger.catalog.models import Series
from cliffhanger.kit.errors import Invalid, NotFound
from cliffhanger.pricing import service as pricing
from cliffhanger.pricing.models import Channel, Offer, OfferKind

CURRENCY_RE = r"^[A-Z]{3}$"
MAX_PRICE_MINOR = 100_000_00

def pass_offer_id(series_id: str) -> str:
    return f"pass-{series_id}"


def active_offer(session: Session, offer_id: str) -> Offer:
    offer = session.get(Offer, offer_id)
    if offer is None or not offer.active:
        raise NotFound("No such offer.")
    return offer


def list_offers(session: Session, series_id: str | None = None) -> list[Offer]:
    """Active coin packs and subscriptions, plus the pass of `series_id` when it has one."""
    query = select(Offer).where(Offer.active.is_(True), Offer.series_id.is_(None))
    offers = list(session.scalars(query.order_by(Offer.position, Offer.id)))
    if series_id is not None:
        series_pass = session.get(Offer, pass_offer_id(series_id))
        if series_pass is not None and series_pass.active:
            offers.append(series_pass)
    return offers


def series_pass_offer(session: Session, series_id: str) -> Offer | None:
    offer = session.get(Offer, pass_offer_id(series_id))
    return offer if offer is not None and offer.active else None


def subscription_offers(session: Session) -> list[Offer]:
    return [o for o in list_offers(session) if o.kind is OfferKind.subscription]


def set_series_pass(
    session: Session, series: Series, *, price_minor: int | None, currency: str = "USD",
    tiktok_beans: int | None = None,
) -> Offer | None:
    """Offer (or with `price_minor=None` withdraw) a pass for every episode of `series`."""
    offer = session.get(Offer, pass_offer_id(series.id))
    if price_minor is None:
        if offer is not None:
            offer.active = False
        return None
    if not 0 < price_minor <= MAX_PRICE_MINOR:
        raise Invalid("A pass price must be a positive amount in minor units.", field="price_minor")
    if tiktok_beans is not None and tiktok_beans <= 0:
        raise Invalid("tiktok_beans must be positive.", field="tiktok_beans")
    if offer is None:
        offer = Offer(id=pass_offer_id(series.id), kind=OfferKind.series_pass, series_id=series.id,
                      coins=0, bonus_coins=0, position=100)
        session.add(offer)
    offer.title = f"Series pass: {series.title}"[:100]
    offer.price_minor, offer.currency, offer.tiktok_beans = price_minor, currency, tiktok_beans
    offer.active = True
    session.flush()
    return offer


@dataclass(frozen=True)
class SeriesPricing:
    free_episodes: int
    price_coins: int
    channel_discounts_bps: dict[str, int]
    series_pass: Offer | None


def series_pricing(session: Session, series: Series) -> SeriesPricing:
    return SeriesPricing(
        free_episodes=series.free_episodes, price_coins=series.price_coins,
        channel_discounts_bps=pricing.channel_discounts(session, series.id),
        series_pass=series_pass_offer(session, series.id),
    )


def update_series_pricing(
    session: Session, series: Series, *, free_episodes: int | None = None,
    price_coins: int | None = None, channel_discounts_bps: dict[str, int] | None = None,
) -> SeriesPricing:
    """Change a series' pricing. Viewers who started the series keep their locked price when the
    price rises (see `commerce.pricing`)."""
    from cliffhanger.catalog.service import check_pricing

    check_pricing(
        series.free_episodes if free_episodes is None else free_episodes,
        series.price_coins if price_coins is None else price_coins,
    )
    if free_episodes is not None:
        series.free_episodes = free_episodes
    if price_coins is not None:
        series.price_coins = price_coins
    for channel, bps in (channel_discounts_bps or {}).items():
        try:
            parsed = Channel(channel)
        except ValueError as exc:
            raise Invalid(f"Unknown sales channel {channel!r}.",
                          field="channel_discounts_bps") from exc
        pricing.set_channel_discount(session, series.id, parsed, bps)
    session.flush()
    return series_pricing(session, series)
