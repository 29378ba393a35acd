"""TikTok Minis Beans payments: trade orders created with the viewer's own token, the signed
webhook, and the query API as the fallback when a webhook is late.

Webhook (documented signature; envelope and event names second-hand, see PRODUCT.md):
`{client_key, event, create_time, user_openid, content}` where `content` is a JSON string with
`trade_order_id`, `order_id` (ours), `is_sandbox` and, for refunds, `refund_amount`. TikTok sends
no event id, so the inbox keys a payment on `<event>:<trade_order_id>`; the query fallback builds
the very same key, so a payment seen both ways still has one effect.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from cliffhanger.inbox.service import EventType, InboundEvent
from cliffhanger.integrations.tiktok import signature
from cliffhanger.integrations.tiktok.client import TikTokClient
from cliffhanger.kit.config import Settings
from cliffhanger.kit.errors import Invalid, Unauthorized

NAME = "tiktok_minis"
PAID_EVENT = "minis.trade_order.redeem.success"
REFUND_EVENT = "minis.trade_order.redeem.refund_traceback"


def client(settings: Settings) -> TikTokClient:
    if not (settings.tiktok_client_key and settings.tiktok_client_secret):
        raise Invalid("TikTok is not configured on this server.", code="provider_unavailable")
    return TikTokClient(settings.tiktok_api_base, settings.tiktok_client_key,
                        settings.tiktok_client_secret)


def paid_event(trade_order_id: str, data: dict[str, Any]) -> InboundEvent:
    return InboundEvent(NAME, f"{PAID_EVENT}:{trade_order_id}", EventType.PAID,
                        {**data, "external_id": trade_order_id})


def parse_webhook(
    settings: Settings, raw: bytes, headers: dict[str, str], now: float
) -> list[InboundEvent]:
    secret = settings.tiktok_client_secret
    if not secret:
        raise Unauthorized("TikTok webhooks are not configured here.", code="bad_signature")
    try:
        signature.verify(secret, raw, headers.get(signature.HEADER.lower()), now=now,
                         tolerance_s=settings.tiktok_webhook_tolerance_s)
    except signature.SignatureError as exc:
        raise Unauthorized(f"Webhook signature rejected: {exc}.", code="bad_signature") from exc
    try:
        envelope = json.loads(raw)
        event = str(envelope["event"])
        content = envelope.get("content") or "{}"
        content = json.loads(content) if isinstance(content, str) else dict(content)
    except (ValueError, KeyError, TypeError) as exc:
        raise Invalid("The webhook body is not a TikTok event.") from exc
    if envelope.get("client_key") != settings.tiktok_client_key:
        raise Unauthorized("The webhook is for another TikTok app.", code="bad_signature")
    trade_order_id = str(content.get("trade_order_id") or "")
    if event not in (PAID_EVENT, REFUND_EVENT) or not trade_order_id:
        return []
    data = {
        "order_id": content.get("order_id"), "external_id": trade_order_id,
        "is_sandbox": bool(content.get("is_sandbox")), "open_id": envelope.get("user_openid"),
    }
    if event == PAID_EVENT:
        return [paid_event(trade_order_id, data)]
    try:
        amount = int(content["refund_amount"])
    except (KeyError, TypeError, ValueError) as exc:
        raise Invalid("A refund event needs refund_amount.") from exc
    ref = content.get("refund_id") or envelope.get("create_time") or amount
    return [InboundEvent(NAME, f"{REFUND_EVENT}:{trade_order_id}:{ref}", EventType.REFUND,
                         {**data, "amount": amount})]


def query_says_paid(data: dict[str, Any]) -> bool:
    status = str(data.get("status") or data.get("order_status") or "").upper()
    return status == "SUCCESS"


def stale(created_at: datetime, now: datetime, settings: Settings) -> bool:
    return (now - created_at).total_seconds() >= settings.tiktok_query_after_s
