"""Wallet and unlock endpoints."""

from __future__ import annotations

from fastapi import APIRouter, Response

from cliffhanger.commerce import ledger, service
from cliffhanger.commerce.schemas import UnlockRequest, UnlockResponse, Wallet
from cliffhanger.deps import RuntimeDep, ViewerDep

router = APIRouter(prefix="/api/v1", tags=["wallet"])


@router.get("/wallet", response_model=Wallet)
def get_wallet(rt: RuntimeDep, viewer: ViewerDep) -> Wallet:
    with rt.db.session() as session:
        balance = ledger.spendable_balance(session, viewer.id)
    return Wallet(balance_coins=balance.total, paid_coins=balance.paid, bonus_coins=balance.bonus)


@router.post(
    "/unlocks", status_code=201, response_model=UnlockResponse,
    responses={200: {"description": "Replay of an earlier unlock, or already unlocked"},
               402: {"description": "Not enough coins"}},
)
def unlock(body: UnlockRequest, response: Response, rt: RuntimeDep, viewer: ViewerDep) -> UnlockResponse:
    """Unlock an episode with coins; idempotent on `idempotency_key`."""
    with rt.db.session() as session:
        result = service.unlock_with_coins(session, viewer.id, body.episode_id, body.idempotency_key)
    if not result.created:
        response.status_code = 200
    return UnlockResponse(
        episode_id=result.entitlement.episode_id, method="coins",
        price_coins=result.entitlement.price_coins, charged_coins=result.charged_coins if result.created else 0,
        balance_coins=result.balance.total, already_unlocked=not result.created,
    )
