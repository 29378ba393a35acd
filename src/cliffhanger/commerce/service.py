"""Wallets and coin unlocks: the money flows viewers start, on top of the ledger."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cliffhanger.catalog import service as catalog
from cliffhanger.commerce import ledger
from cliffhanger.commerce.models import (
    AccountKind,
    Entitlement,
    EntitlementSource,
    LotKind,
    TransferKind,
)
from cliffhanger.config import Settings
from cliffhanger.db import utcnow
from cliffhanger.errors import InsufficientCoins, Invalid

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
    entitlement: Entitlement
    charged_coins: int
    balance: ledger.Balance
    created: bool


def unlock_with_coins(
    session: Session, viewer_id: str, episode_id: str, idempotency_key: str,
    now: datetime | None = None,
) -> UnlockResult:
    """Unlock one episode for coins in the caller's transaction, exactly once.

    The same idempotency key returns the first result without charging again; a second unlock
    of an already-unlocked episode charges nothing. The viewer's accounts are locked before the
    entitlement check, so concurrent requests for one wallet run one after another.
    """
    now = now or utcnow()
    check_idempotency_key(idempotency_key)
    series, episode = catalog.viewable_episode(session, episode_id)
    ledger.lock_viewer_accounts(session, viewer_id)

    prior = session.scalar(
        select(Entitlement).where(
            Entitlement.viewer_id == viewer_id, Entitlement.request_key == idempotency_key
        )
    )
    if prior is not None:
        ledger.require_unique_request(prior.episode_id, episode.id)
        return UnlockResult(prior, prior.price_coins, ledger.spendable_balance(session, viewer_id, now), False)

    if catalog.is_free(series, episode):
        raise Invalid("This episode is free; it needs no unlock.", code="episode_free")
    existing = session.scalar(
        select(Entitlement).where(
            Entitlement.viewer_id == viewer_id, Entitlement.episode_id == episode.id
        )
    )
    if existing is not None:
        return UnlockResult(existing, 0, ledger.spendable_balance(session, viewer_id, now), False)

    price = series.price_coins
    if price > 0:
        revenue = ledger.account(session, AccountKind.org_revenue, series.organisation_id)
        try:
            ledger.spend_coins(
                session, viewer_id, price, credit=revenue,
                key=f"unlock:{viewer_id}:{idempotency_key}", kind=TransferKind.unlock,
                episode_id=episode.id, now=now, memo=f"{series.title} #{episode.number}",
            )
        except InsufficientCoins as exc:
            access = catalog.series_access(session, viewer_id, series)
            raise InsufficientCoins(
                f"Unlocking episode {episode.number} costs {price} coins; the wallet holds "
                f"{exc.extra.get('balance_coins', 0)}.",
                price_coins=price,
                balance_coins=exc.extra.get("balance_coins", 0),
                cost_to_finish_coins=catalog.cost_to_finish(access),
            ) from exc
    entitlement = Entitlement(
        viewer_id=viewer_id, episode_id=episode.id, series_id=series.id,
        source=EntitlementSource.coins, price_coins=price, request_key=idempotency_key,
    )
    session.add(entitlement)
    session.flush()
    return UnlockResult(entitlement, price, ledger.spendable_balance(session, viewer_id, now), True)
