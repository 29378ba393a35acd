"""What one episode costs one viewer: the series price, the viewer's price lock and the sales
channel's discount.

Price lock: the first time a viewer starts a series (asks to play or unlock any episode) the
series' per-episode price is stored for them; from then on they pay that price or the current one,
whichever is lower. A channel discount (e.g. 10 % inside TikTok Minis) applies on top, rounded in
the viewer's favour. The channel is decided by the server, never by the client: a viewer linked to
a TikTok login (through `POST /auth/tiktok`) buys in the TikTok Minis channel.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cliffhanger.accounts.models import Viewer
from cliffhanger.catalog.models import Series
from cliffhanger.kit.db import insert_ignore, utcnow
from cliffhanger.kit.errors import Invalid
from cliffhanger.pricing.models import Channel, ChannelDiscount, PriceLock

BPS = 10_000
MAX_DISCOUNT_BPS = 9_000


def channel_of(session: Session, viewer_id: str) -> Channel:
    viewer = session.get(Viewer, viewer_id)
    return Channel.tiktok_minis if viewer is not None and viewer.tiktok_open_id else Channel.web


def discounted(price: int, bps: int) -> int:
    """`price` less `bps` basis points, rounded down (in the viewer's favour)."""
    return price * (BPS - bps) // BPS


def discount_bps(session: Session, series_id: str, channel: Channel) -> int:
    value = session.scalar(
        select(ChannelDiscount.discount_bps).where(
            ChannelDiscount.series_id == series_id, ChannelDiscount.channel == channel
        )
    )
    return int(value or 0)


def channel_discounts(session: Session, series_id: str) -> dict[str, int]:
    return {
        str(channel): int(bps)
        for channel, bps in session.execute(
            select(ChannelDiscount.channel, ChannelDiscount.discount_bps).where(
                ChannelDiscount.series_id == series_id
            )
        )
    }


def set_channel_discount(session: Session, series_id: str, channel: Channel, bps: int) -> None:
    if not 0 <= bps <= MAX_DISCOUNT_BPS:
        raise Invalid(f"A discount must be between 0 and {MAX_DISCOUNT_BPS} basis points.",
                      field="discount_bps")
    row = session.get(ChannelDiscount, (series_id, channel))
    if bps == 0:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(ChannelDiscount(series_id=series_id, channel=channel, discount_bps=bps))
    else:
        row.discount_bps = bps
    session.flush()


def locked_price(session: Session, viewer_id: str, series_id: str) -> int | None:
    return session.scalar(
        select(PriceLock.price_coins).where(
            PriceLock.viewer_id == viewer_id, PriceLock.series_id == series_id
        )
    )


def lock_price(session: Session, viewer_id: str, series: Series) -> int:
    """Record the price the viewer starts the series at (first call wins); returns the lock."""
    current = locked_price(session, viewer_id, series.id)
    if current is not None:
        return current
    return lock_price_at(session, viewer_id, series.id, series.price_coins)


def lock_price_at(
    session: Session, viewer_id: str, series_id: str, price_coins: int,
    now: datetime | None = None,
) -> int:
    """Lock `price_coins` unless a lock exists (race-free); returns the lock in force."""
    inserted = session.execute(
        insert_ignore(session)(PriceLock)
        .values(viewer_id=viewer_id, series_id=series_id, price_coins=price_coins,
                created_at=now or utcnow())
        .on_conflict_do_nothing()
        .returning(PriceLock.price_coins)
    ).scalar()
    if inserted is not None:
        return int(inserted)
    locked = locked_price(session, viewer_id, series_id)  # someone else's lock came first
    assert locked is not None
    return locked


_UNKNOWN = -1


def episode_price(
    session: Session, viewer_id: str, series: Series, channel: Channel | None = None,
    locked: int | None = _UNKNOWN,
) -> int:
    """Coins this viewer pays for one locked episode of `series` now (`locked`: the viewer's
    lock when the caller already knows it)."""
    base = series.price_coins
    if locked == _UNKNOWN:
        locked = locked_price(session, viewer_id, series.id)
    if locked is not None:
        base = min(base, locked)
    bps = discount_bps(session, series.id, channel or channel_of(session, viewer_id))
    return discounted(base, bps)
