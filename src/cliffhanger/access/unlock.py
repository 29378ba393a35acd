"""Wallets and coin unlocks: the money flows viewers start, on top of the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ScalarSelect,
    Table,
    and_,
    bindparam,
    exists,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from cliffhanger.access import rules as access
from cliffhanger.accounts.models import Viewer
from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.models import Episode, EpisodeStatus, Series
from cliffhanger.kit.config import Settings
from cliffhanger.kit.db import UTCDateTime, new_id, utcnow
from cliffhanger.kit.errors import InsufficientCoins, Invalid, NotFound, Unauthorized
from cliffhanger.ledger import service as ledger
from cliffhanger.ledger.models import (
    WALLET_KINDS,
    AccountKind,
    CoinLot,
    Entitlement,
    EntitlementSource,
    LedgerAccount,
    LotKind,
    TransferKind,
)
from cliffhanger.ledger.service import check_idempotency_key
from cliffhanger.orders import limits
from cliffhanger.orders.models import SpendLimit
from cliffhanger.pricing import service as pricing
from cliffhanger.pricing.models import Channel, ChannelDiscount, PriceLock


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
    entitlement_id: str | None = None


@dataclass(frozen=True)
class UnlockContext:
    """Everything an unlock decides on besides the wallet, read in one statement."""

    series_wide: str | None
    locked_price: int | None
    channel: Channel
    discount_bps: int
    has_own_coin_limit: bool


def _discount(channel: Channel | BindParameter[Channel]) -> ScalarSelect[int]:
    return select(ChannelDiscount.discount_bps).where(
        ChannelDiscount.series_id == bindparam("series"), ChannelDiscount.channel == channel
    ).scalar_subquery()


_VIEWER: BindParameter[str] = bindparam("viewer")
_SERIES: BindParameter[str] = bindparam("series")
_NOW: BindParameter[datetime] = bindparam("now", type_=UTCDateTime())


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
    channel: Channel
    """The viewer's sales channel."""


# The unlock's first statement locks the viewer's wallet rows (`ledger.lock_wallet`: FOR UPDATE,
# in id order) and reads, with them, the viewer row (the authentication check on the object,
# done here instead of in a transaction of its own) and the episode, if it is viewable.
_LOCK_AND_FACTS = (
    select(LedgerAccount.id, LedgerAccount.kind, LedgerAccount.balance, Viewer.tiktok_open_id,
           Episode.id, Episode.number, Series.id, Series.title, Series.organisation_id,
           Series.free_episodes, Series.price_coins)
    .select_from(LedgerAccount)
    .join(Viewer, Viewer.id == LedgerAccount.owner_id)
    .outerjoin(Episode, and_(Episode.id == bindparam("episode"),
                             Episode.status == EpisodeStatus.ready))
    .outerjoin(Series, Series.id == Episode.series_id)
    .where(LedgerAccount.owner_id == _VIEWER,
           LedgerAccount.kind.in_([literal(kind, LedgerAccount.kind.type)
                                   for kind in sorted(WALLET_KINDS)]))
    .order_by(LedgerAccount.id)
    .with_for_update(of=LedgerAccount)
)
_VIEWER_EXISTS = select(exists().where(Viewer.id == _VIEWER))


def _lock_and_facts(
    session: Session, conn: Connection, viewer_id: str, episode_id: str
) -> tuple[ledger.LockedWallet, EpisodeFacts]:
    """Lock the wallet and read the viewer's channel and what an unlock needs of a viewable
    episode, in one statement. A viewer that does not exist (a valid token of a deleted viewer)
    is `Unauthorized`, as `deps.current_viewer` answers; the episode follows
    `catalog.viewable_episode` (ready episodes only; anything else is `NotFound`)."""
    params = {"viewer": viewer_id, "episode": episode_id}
    rows = conn.execute(_LOCK_AND_FACTS, params).all()
    if len(rows) < len(WALLET_KINDS):  # no viewer, or a viewer whose accounts are not open yet
        if not session.scalar(_VIEWER_EXISTS, params):
            raise Unauthorized("The viewer token is not valid.")
        ledger.open_viewer_accounts(session, viewer_id)
        rows = conn.execute(_LOCK_AND_FACTS, params).all()
    open_id, ep_id, number, series_id, title, org_id, free_episodes, price = rows[0][3:]
    if ep_id is None:
        raise NotFound("No such episode.")
    return ledger.locked_wallet(rows), EpisodeFacts(
        ep_id, number, series_id, title, org_id, number <= free_episodes, price,
        Channel.tiktok_minis if open_id else Channel.web,
    )


def _entitlement_id(column: Any) -> ScalarSelect[str]:
    return select(Entitlement.id).where(
        Entitlement.viewer_id == _VIEWER, column
    ).scalar_subquery()


# The unlock's reads after the wallet lock, in one statement: the request's and the episode's
# entitlements, series-wide access, price lock, channel discount and own spend limit (one row),
# outer-joined with the wallet's live lots (one row per lot).
_UNLOCK_FACTS = select(
    _entitlement_id(Entitlement.request_key == bindparam("key")).label("by_key"),
    _entitlement_id(Entitlement.episode_id == bindparam("episode")).label("by_episode"),
    exists().where(access.active_pass_clause(_VIEWER, _SERIES)).label("has_pass"),
    exists().where(access.live_subscription_clause(_VIEWER, _NOW)).label("has_sub"),
    select(PriceLock.price_coins).where(
        PriceLock.viewer_id == _VIEWER, PriceLock.series_id == _SERIES
    ).scalar_subquery().label("locked"),
    _discount(bindparam("channel", type_=ChannelDiscount.__table__.c.channel.type))
    .label("bps"),
    exists().where(SpendLimit.viewer_id == _VIEWER, SpendLimit.unit == limits.COIN)
    .label("has_limit"),
).subquery("facts")
_UNLOCK_READS = (
    select(_UNLOCK_FACTS, CoinLot.id, CoinLot.kind, CoinLot.remaining, CoinLot.expires_at,
           CoinLot.created_at)
    .select_from(_UNLOCK_FACTS)
    .outerjoin(CoinLot, and_(
        CoinLot.account_id.in_([bindparam("paid"), bindparam("bonus")]),
        CoinLot.remaining > 0,
        or_(CoinLot.expires_at.is_(None), CoinLot.expires_at > _NOW),
    ))
)


@dataclass(frozen=True)
class _UnlockReads:
    by_key: str | None
    by_episode: str | None
    context: UnlockContext
    lots: list[ledger.LiveLot]


def _unlock_reads(
    conn: Connection, viewer_id: str, episode: EpisodeFacts, key: str,
    wallet: ledger.LockedWallet, now: datetime,
) -> _UnlockReads:
    rows = conn.execute(_UNLOCK_READS, {
        "viewer": viewer_id, "key": key, "episode": episode.id, "series": episode.series_id,
        "now": now, "channel": episode.channel, "paid": wallet.paid_id,
        "bonus": wallet.bonus_id,
    }).all()
    by_key, by_episode, has_pass, has_sub, locked, bps, has_limit = rows[0][:7]
    return _UnlockReads(
        by_key, by_episode,
        UnlockContext(
            series_wide="series_pass" if has_pass else "subscription" if has_sub else None,
            locked_price=locked, channel=episode.channel, discount_bps=int(bps or 0),
            has_own_coin_limit=bool(has_limit),
        ),
        [ledger.LiveLot(*row[7:]) for row in rows if row[7] is not None],
    )


_ENTITLEMENTS_TABLE: Table = Entitlement.__table__  # type: ignore[assignment]


def unlock_with_coins(
    session: Session, viewer_id: str, episode_id: str, idempotency_key: str,
    now: datetime | None = None, settings: Settings | None = None,
) -> UnlockResult:
    """Unlock one episode for coins in the caller's transaction, exactly once.

    The same idempotency key returns the first result without charging again; an episode that is
    already open (entitlement, pass, subscription) charges nothing. The viewer's wallet is locked
    before any check, so concurrent requests for one wallet run one after another and the spend
    cap is checked against what was really spent. A viewer that does not exist is refused with
    `Unauthorized` before anything else (the HTTP layer only checked the token's signature).

    This is the hottest money path, so it runs few statements: the wallet lock with the viewer
    and the episode, one read of entitlements, context and lots, then the writes of the spend and
    the entitlement (one statement on PostgreSQL, see `ledger.spend_lots`).
    """
    now = now or utcnow()
    check_idempotency_key(idempotency_key)
    session.flush()  # pending changes go first; the unlock's writes bypass the ORM
    # Hot statements run on the session's connection: the ORM's execution layer would cost as
    # much CPU again as the statement itself, for column rows that need none of it.
    conn = session.connection()
    wallet, episode = _lock_and_facts(session, conn, viewer_id, episode_id)
    reads = _unlock_reads(conn, viewer_id, episode, idempotency_key, wallet, now)

    def balance() -> ledger.Balance:
        return _balance_of(reads.lots)

    if reads.by_key is not None:
        prior = session.get_one(Entitlement, reads.by_key)
        ledger.require_unique_request(prior.episode_id, episode.id)
        return UnlockResult(prior.episode_id, str(prior.source), prior.price_coins,
                            prior.price_coins, balance(), False, prior.id)

    if episode.free:
        raise Invalid("This episode is free; it needs no unlock.", code="episode_free")
    if reads.by_episode is not None:
        existing = session.get_one(Entitlement, reads.by_episode)
        return UnlockResult(existing.episode_id, str(existing.source), existing.price_coins, 0,
                            balance(), False, existing.id)
    ctx = reads.context
    locked = ctx.locked_price
    if locked is None:  # starting the series
        locked = pricing.lock_price_at(session, viewer_id, episode.series_id, episode.price_coins,
                                       now=now)
    price = pricing.discounted(min(episode.price_coins, locked), ctx.discount_bps)
    if ctx.series_wide is not None:
        return UnlockResult(episode.id, ctx.series_wide, price, 0, balance(), False)

    entitlement_id = new_id()
    entitlement: dict[str, Any] = {
        "id": entitlement_id, "viewer_id": viewer_id, "episode_id": episode.id,
        "series_id": episode.series_id, "source": EntitlementSource.coins, "price_coins": price,
        "request_key": idempotency_key, "created_at": now,
    }
    after = None
    if price > 0:
        if settings is not None and (ctx.has_own_coin_limit or settings.spend_cap_coins_day
                                     or settings.spend_cap_coins_month):
            limits.check(session, settings, viewer_id, limits.COIN, price, now)
        revenue = ledger.account_id(session, AccountKind.org_revenue, episode.organisation_id)
        try:
            after = ledger.spend_lots(
                session, viewer_id, wallet, reads.lots, price, credit_id=revenue,
                key=f"unlock:{viewer_id}:{idempotency_key}", kind=TransferKind.unlock,
                episode_id=episode.id, now=now, memo=f"{episode.series_title} #{episode.number}",
                then_insert=(_ENTITLEMENTS_TABLE, entitlement),
            ).balance_after
        except InsufficientCoins as exc:
            series, _episode = catalog.viewable_episode(session, episode.id)
            episodes = access.series_access(session, viewer_id, series)
            raise InsufficientCoins(
                f"Unlocking episode {episode.number} costs {price} coins; the wallet holds "
                f"{exc.extra.get('balance_coins', 0)}.",
                price_coins=price,
                balance_coins=exc.extra.get("balance_coins", 0),
                cost_to_finish_coins=access.cost_to_finish(episodes),
            ) from exc
    else:  # a free price (discount): nothing to spend, the entitlement alone
        conn.execute(insert(_ENTITLEMENTS_TABLE), entitlement)
    return UnlockResult(episode.id, "coins", price, price, after or balance(), True,
                        entitlement_id)


def _balance_of(lots: list[ledger.LiveLot]) -> ledger.Balance:
    """Spendable coins of the live lots read under the lock (what `ledger.spendable_balance`
    would sum)."""
    return ledger.Balance(
        paid=sum(lot.remaining for lot in lots if lot.kind is LotKind.paid),
        bonus=sum(lot.remaining for lot in lots if lot.kind is LotKind.bonus),
    )
