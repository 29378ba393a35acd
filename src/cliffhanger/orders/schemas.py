"""API shapes of the commerce domain."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


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
