"""API shapes of the commerce domain."""

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


class OfferView(BaseModel):
    id: str
    kind: str
    title: str
    price_minor: int
    currency: str
    tiktok_beans: int | None
    coins: int
    bonus_coins: int
    bonus_expires_days: int | None
    period: str | None
    series_id: str | None
    providers: list[str]


class OfferList(BaseModel):
    channel: str
    items: list[OfferView]


class OrderCreate(BaseModel):
    offer_id: str = Field(min_length=1, max_length=40)
    provider: Literal["sandbox", "tiktok_minis"]
    idempotency_key: str = Field(min_length=8, max_length=128)
    return_url: str | None = Field(default=None, max_length=500)
    """Sandbox: the path on this site the checkout page returns to (default `/`)."""


class OrderView(BaseModel):
    id: str
    offer_id: str
    kind: str
    provider: str
    status: str
    amount_minor: int
    currency: str
    coins: int
    bonus_coins: int
    series_id: str | None
    subscription_id: str | None
    is_sandbox: bool
    refunded_minor: int
    failure_reason: str | None
    created_at: datetime
    paid_at: datetime | None
    checkout_url: str | None = None
    """Sandbox: open this page to pay (Pay / Decline / Cancel)."""
    trade_order_id: str | None = None
    """TikTok: pass to `TTMinis.pay({trade_order_id})`."""


class OrderList(BaseModel):
    items: list[OrderView]


class TikTokLogin(BaseModel):
    code: str = Field(min_length=1, max_length=1000)


class TikTokLoginResult(BaseModel):
    viewer_id: str
    token: str
    open_id: str
    created: bool


class SubscriptionView(BaseModel):
    id: str
    offer_id: str
    period: str
    provider: str
    status: str
    active: bool
    """Grants access right now."""
    current_period_start: datetime
    current_period_end: datetime
    cancel_at_period_end: bool
    grace_until: datetime | None


class SubscriptionList(BaseModel):
    items: list[SubscriptionView]


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


class SeriesPassPrice(BaseModel):
    price_minor: int = Field(gt=0, le=10_000_000)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    tiktok_beans: int | None = Field(default=None, gt=0, le=10_000_000)


class SeriesPricingUpdate(BaseModel):
    free_episodes: int | None = Field(default=None, ge=0, le=500)
    price_coins: int | None = Field(default=None, ge=0, le=100_000)
    channel_discounts_bps: dict[str, int] | None = None
    """Per sales channel (`web`, `tiktok_minis`): basis points off the coin price (1000 = 10 %)."""
    series_pass: SeriesPassPrice | None = None
    remove_series_pass: bool = False


class SeriesPricingView(BaseModel):
    series_id: str
    free_episodes: int
    price_coins: int
    channel_discounts_bps: dict[str, int]
    series_pass: OfferView | None
