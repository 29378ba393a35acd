"""API shapes of the access domain: wallet, unlocks, spend limits and rewarded-ad sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class Wallet(BaseModel):
    balance_coins: int
    paid_coins: int
    bonus_coins: int


class UnlockRequest(BaseModel):
    episode_id: str = Field(min_length=1, max_length=64)
    method: Literal["coins"]
    idempotency_key: str = Field(min_length=8, max_length=128)


class UnlockResponse(BaseModel):
    episode_id: str
    method: str
    price_coins: int
    charged_coins: int
    balance_coins: int
    already_unlocked: bool


class Expiring(BaseModel):
    coins: int
    expires_at: datetime


class HistoryEntry(BaseModel):
    id: str
    kind: str
    """unlock, purchase, purchase_bonus, welcome_bonus, grant, expiry, clawback, debt,
    settlement."""
    coins: int
    """Change of the spendable balance (negative: coins left the wallet)."""
    debt_coins: int
    """Change of what the viewer owes (positive: more owed)."""
    memo: str
    episode_id: str | None
    order_id: str | None
    created_at: datetime


class WalletHistory(BaseModel):
    balance_coins: int
    paid_coins: int
    bonus_coins: int
    debt_coins: int
    expiring: list[Expiring]
    entries: list[HistoryEntry]


class SpendLimitView(BaseModel):
    unit: str
    period: str
    cap: int | None
    operator_cap: int | None
    viewer_limit: int | None
    pending_limit: int | None
    pending_from: datetime | None
    spent: int
    resets_at: datetime


class SpendLimits(BaseModel):
    limits: list[SpendLimitView]


class SpendLimitUpdate(BaseModel):
    unit: str = Field(pattern=r"^(coin|[A-Z]{3,8})$")
    period: Literal["day", "month"]
    amount: int | None = Field(default=None, ge=0, le=10**12)
    """The new limit; null removes it (after the cooling-off period)."""


class AdSessionCreate(BaseModel):
    episode_id: str = Field(min_length=1, max_length=64)
    provider: Literal["sandbox", "tiktok", "admob"]


class AdSessionView(BaseModel):
    ad_session_id: str
    episode_id: str
    provider: str
    status: str
    min_watch_s: int
    started_at: datetime
    expires_at: datetime
    unlocked: bool
    remaining_today: int
    daily_cap: int
    ssv: dict[str, str] | None = None
    """AdMob: pass as ServerSideVerificationOptions (custom_data, user_id)."""
    ad_unit_id: str | None = None
    """The provider's ad unit to show (TikTok: `createRewardedVideoAd({adUnitId})`); null for
    the sandbox or when the deployment has not configured one."""


class AdComplete(BaseModel):
    is_ended: bool | None = None
    """TikTok: `isEnded` from the rewarded video ad's `onClose`."""
