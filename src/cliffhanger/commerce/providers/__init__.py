"""Payment and ad providers behind one shape: each turns an authenticated inbound request into
provider-neutral `InboundEvent`s for the webhook inbox (`commerce.webhooks`), and knows how to
start or query a payment on its side."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class EventType:
    PAID = "payment.succeeded"
    FAILED = "payment.failed"
    CANCELLED = "payment.cancelled"
    REFUND = "payment.refunded"
    RENEWED = "subscription.renewed"
    RENEWAL_FAILED = "subscription.renewal_failed"
    REVOKED = "subscription.revoked"
    AD_REWARD = "ad.reward"


@dataclass(frozen=True)
class InboundEvent:
    provider: str
    external_id: str
    """The provider's event id, or what identifies the event when it has none (TikTok: event
    name and trade order); the inbox keeps one row per (provider, external_id)."""
    event_type: str
    data: dict[str, Any] = field(default_factory=dict)
