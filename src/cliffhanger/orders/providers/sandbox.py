"""The built-in sandbox payment provider: a hosted checkout page (Pay / Decline / Cancel) and a
"provider side" that signs webhooks and sends them back exactly like a real provider would.

Webhook format: `Sandbox-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`
over a JSON body `{"id": "evt_…", "type": "…", "created": <unix>, "data": {…}}`. Types:
`payment.succeeded`, `payment.failed`, `payment.canceled`, `charge.refunded`,
`subscription.renewed`, `subscription.renewal_failed`, `subscription.revoked`.

Delivery: a queue task POSTs the signed body to `CLIFFHANGER_SANDBOX_WEBHOOK_URL` when set, or
hands the same bytes and header to the receiver the HTTP endpoint uses (signature checked all
the same). Sandbox money is test money: it never counts as revenue.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from cliffhanger.inbox.service import EventType, InboundEvent
from cliffhanger.integrations.tiktok import signature
from cliffhanger.kit.config import Settings
from cliffhanger.kit.errors import Invalid, Unauthorized
from cliffhanger.kit.security import BadToken, sign, verify

NAME = "sandbox"
SIGNATURE_HEADER = "Sandbox-Signature"
TOLERANCE_S = 300
CHECKOUT_PURPOSE = "sandbox-checkout"
CHECKOUT_TTL_S = 3600
DELIVER_TASK = "commerce.sandbox_deliver"
CARD_OK = "card_ok"
CARD_DECLINES_RENEWALS = "card_declines_renewals"
ACTIONS = {"pay": "payment.succeeded", "decline": "payment.failed", "cancel": "payment.canceled"}
_TYPES = {
    "payment.succeeded": EventType.PAID, "payment.failed": EventType.FAILED,
    "payment.canceled": EventType.CANCELLED, "charge.refunded": EventType.REFUND,
    "subscription.renewed": EventType.RENEWED,
    "subscription.renewal_failed": EventType.RENEWAL_FAILED,
    "subscription.revoked": EventType.REVOKED,
}


def webhook_secret(settings: Settings) -> str:
    if settings.sandbox_webhook_secret:
        return settings.sandbox_webhook_secret
    return hmac.new(settings.signing_key, b"sandbox-webhook-v1", hashlib.sha256).hexdigest()


def checkout_url(settings: Settings, order_id: str, return_path: str) -> str:
    token = sign(settings.signing_key, CHECKOUT_PURPOSE, {"o": order_id, "r": return_path},
                 ttl_s=CHECKOUT_TTL_S)
    base = settings.public_base_url.rstrip("/")
    return f"{base}/api/v1/sandbox/checkout/{order_id}?token={token}"


def read_checkout_token(settings: Settings, order_id: str, token: str) -> str:
    """The return path of a valid checkout token for this order."""
    try:
        payload = verify(settings.signing_key, CHECKOUT_PURPOSE, token)
    except BadToken as exc:
        raise Unauthorized(f"This checkout link is not valid ({exc}).",
                           code="checkout_invalid") from exc
    if payload.get("o") != order_id:
        raise Unauthorized("This checkout link is for another order.", code="checkout_invalid")
    return str(payload.get("r") or "/")


def check_return_path(path: str | None) -> str:
    """Only same-origin paths: a checkout must never redirect a viewer to another site."""
    path = path or "/"
    if not path.startswith("/") or path.startswith("//") or "\\" in path or len(path) > 500:
        raise Invalid("return_url must be a path on this site, like /watch/….", field="return_url")
    return path


def event_body(event_id: str, event_type: str, data: dict[str, Any], created: int) -> bytes:
    return json.dumps(
        {"id": event_id, "type": event_type, "created": created, "livemode": False, "data": data},
        separators=(",", ":"), sort_keys=True,
    ).encode()


def signed(settings: Settings, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    mac = signature.compute(webhook_secret(settings), ts, body)
    return {SIGNATURE_HEADER: f"t={ts},v1={mac}", "Content-Type": "application/json"}


def checkout_event_id(order_id: str, action: str) -> str:
    """One event per order and outcome: pressing Pay twice sends the same event again."""
    return "evt_" + hashlib.sha256(f"{order_id}:{action}".encode()).hexdigest()[:24]


def parse_webhook(
    settings: Settings, raw: bytes, headers: dict[str, str], now: float
) -> list[InboundEvent]:
    try:
        signature.verify(webhook_secret(settings), raw, headers.get(SIGNATURE_HEADER.lower()),
                         now=now, tolerance_s=TOLERANCE_S, sig_name="v1")
    except signature.SignatureError as exc:
        raise Unauthorized(f"Webhook signature rejected: {exc}.", code="bad_signature") from exc
    try:
        event = json.loads(raw)
        event_id, kind, data = str(event["id"]), str(event["type"]), dict(event.get("data") or {})
    except (ValueError, KeyError, TypeError) as exc:
        raise Invalid("The webhook body is not a sandbox event.") from exc
    mapped = _TYPES.get(kind)
    if mapped is None:
        return []
    return [InboundEvent(NAME, event_id, mapped, data)]
