"""Wallet and unlock endpoints; includes the offer/order/webhook and ad routers of the domain."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Query, Request, Response

from cliffhanger.access import rules
from cliffhanger.access import unlock as service
from cliffhanger.access.paywall import paywall
from cliffhanger.access.schemas import (
    Expiring,
    HistoryEntry,
    SpendLimits,
    SpendLimitUpdate,
    SpendLimitView,
    UnlockRequest,
    UnlockResponse,
    Wallet,
    WalletHistory,
)
from cliffhanger.accounts.deps import ViewerClaimDep, ViewerDep
from cliffhanger.catalog import service as catalog
from cliffhanger.kit.db import utcnow
from cliffhanger.kit.http import RuntimeDep
from cliffhanger.kit.ratelimit import limiter_for
from cliffhanger.kit.runtime import Runtime
from cliffhanger.ledger import service as ledger
from cliffhanger.ledger import wallet
from cliffhanger.orders import limits

router = APIRouter(prefix="/api/v1", tags=["wallet"])


@router.get("/wallet", response_model=Wallet)
def get_wallet(rt: RuntimeDep, viewer: ViewerDep) -> Wallet:
    with rt.db.session() as session:
        balance = ledger.spendable_balance(session, viewer.id)
    return Wallet(balance_coins=balance.total, paid_coins=balance.paid, bonus_coins=balance.bonus)


@router.get("/wallet/history", response_model=WalletHistory)
def get_history(
    rt: RuntimeDep, viewer: ViewerDep, limit: int = Query(default=50, ge=1, le=200)
) -> WalletHistory:
    """Balances, debt, bonus coins about to expire, and the latest movements."""
    now = utcnow()
    with rt.db.session() as session:
        balance, debt = wallet.balances(session, viewer.id, now)
        entries = wallet.history(session, viewer.id, limit)
        soon = wallet.expiring(session, viewer.id, now)
    return WalletHistory(
        balance_coins=balance.total, paid_coins=balance.paid, bonus_coins=balance.bonus,
        debt_coins=debt, expiring=[Expiring(coins=c, expires_at=e) for c, e in soon],
        entries=[HistoryEntry(**e.__dict__) for e in entries],
    )


def _limits(rt: RuntimeDep, viewer_id: str) -> SpendLimits:
    with rt.db.session() as session:
        views = limits.summary(session, rt.settings, viewer_id, utcnow())
    return SpendLimits(limits=[SpendLimitView(**v.__dict__) for v in views])


@router.get("/wallet/limits", response_model=SpendLimits)
def get_limits(rt: RuntimeDep, viewer: ViewerDep) -> SpendLimits:
    """Spend caps in force (the operator's and the viewer's own) and what was spent."""
    return _limits(rt, viewer.id)


@router.put("/wallet/limits", response_model=SpendLimits)
def put_limit(body: SpendLimitUpdate, rt: RuntimeDep, viewer: ViewerDep) -> SpendLimits:
    """Set one of the viewer's own limits. Lower: at once; higher or removed: after 24 hours."""
    with rt.db.session() as session:
        limits.set_limit(session, viewer.id, body.unit, body.period, body.amount, utcnow())
    return _limits(rt, viewer.id)


@router.post(
    "/unlocks", status_code=201, response_model=UnlockResponse,
    responses={200: {"description": "Replay of an earlier unlock, or already unlocked"},
               402: {"description": "Not enough coins"},
               403: {"description": "Over a spend limit"},
               429: {"description": "Too many unlocks"}},
)
async def unlock(
    body: UnlockRequest, request: Request, response: Response, viewer: ViewerClaimDep
) -> UnlockResponse:
    """Unlock an episode with coins; idempotent on `idempotency_key`. An episode already open
    (entitlement, series pass, subscription) is answered 200 and charges nothing."""
    # The token's signature is checked on the event loop and the viewer row inside the unlock's
    # own transaction (its first statement), so a request is one transaction on one thread.
    result = await anyio.to_thread.run_sync(_unlock, request, viewer.id, body)
    if not result.created:
        response.status_code = 200
    return UnlockResponse(
        episode_id=result.episode_id, method=result.method, price_coins=result.price_coins,
        charged_coins=result.charged_coins if result.created else 0,
        balance_coins=result.balance.total, already_unlocked=not result.created,
    )


def _unlock(request: Request, viewer_id: str, body: UnlockRequest) -> service.UnlockResult:
    rt: Runtime = request.app.state.runtime
    limiter_for(request).hit("unlock", f"viewer:{viewer_id}")  # may be a Redis round trip
    with rt.db.session() as session:
        return service.unlock_with_coins(session, viewer_id, body.episode_id,
                                         body.idempotency_key, settings=rt.settings)


@router.get("/episodes/{episode_id}/paywall")
def get_paywall(episode_id: str, rt: RuntimeDep, viewer: ViewerDep) -> dict[str, object]:
    """What unlocking this episode costs this viewer and every way to do it, including the cost
    to finish the series at their locked price."""
    with rt.db.session() as session:
        series, episode = catalog.viewable_episode(session, episode_id)
        wall = paywall(session, rt.settings, viewer.id, series, episode)
        wall["unlocked"] = rules.may_watch(session, viewer.id, series, episode)
        return wall

