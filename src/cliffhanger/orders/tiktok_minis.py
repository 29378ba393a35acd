"""The TikTok Minis channel: viewer login with a `TTMinis.login` code, the viewer's TikTok tokens
(encrypted at rest, refreshed when they expire), Beans trade orders and the query fallback.

Calls to TikTok never happen inside a database transaction: an order is committed as `created`
first, then TikTok is asked for a trade order, then the order becomes `pending` with its
`trade_order_id`. A failed call leaves the order `created`, and retrying the same
`POST /orders` (same idempotency key) asks TikTok again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cliffhanger.accounts import service as accounts
from cliffhanger.accounts.models import Viewer
from cliffhanger.integrations.tiktok.client import TikTokError, TokenSet
from cliffhanger.kit.config import Settings
from cliffhanger.kit.db import utcnow
from cliffhanger.kit.errors import Conflict, DomainError, Unauthorized
from cliffhanger.kit.runtime import Runtime
from cliffhanger.ledger.welcome import welcome_viewer
from cliffhanger.orders import service as orders
from cliffhanger.orders import webhooks
from cliffhanger.orders.models import Order, OrderStatus, TikTokToken
from cliffhanger.orders.providers import tiktok
from cliffhanger.pricing.models import Offer

TOKEN_MARGIN = timedelta(minutes=2)


class TikTokUnavailable(DomainError):
    status, code, title = 502, "tiktok_unavailable", "TikTok did not answer"


def _aead(settings: Settings) -> AESGCM:
    return AESGCM(hmac.new(settings.signing_key, b"tiktok-token-v1", hashlib.sha256).digest())


def seal(settings: Settings, text: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + _aead(settings).encrypt(nonce, text.encode(), b"tiktok-token")


def unseal(settings: Settings, blob: bytes) -> str:
    return _aead(settings).decrypt(bytes(blob[:12]), bytes(blob[12:]), b"tiktok-token").decode()


@dataclass(frozen=True)
class LoginResult:
    viewer_id: str
    token: str
    open_id: str
    created: bool


def login(
    rt: Runtime, code: str, current_viewer_id: str | None, now: datetime | None = None
) -> LoginResult:
    """Exchange a login code for tokens and link the viewer to the TikTok `open_id`.

    The open_id already belongs to a viewer: that viewer is logged in (their token is returned).
    Otherwise the calling anonymous viewer is linked, or a new viewer is created."""
    now = now or utcnow()
    try:
        with tiktok.client(rt.settings) as client:
            tokens = client.exchange_code(code)
    except TikTokError as exc:
        if exc.code == "unreachable":
            raise TikTokUnavailable("TikTok could not be reached; try again.") from exc
        raise Unauthorized("TikTok refused the login code.", code="tiktok_login_failed",
                           tiktok_error=exc.code) from exc
    for attempt in range(2):
        try:
            with rt.db.session() as session:
                viewer, created = link(session, rt.settings, tokens, current_viewer_id, now)
                token = accounts.viewer_token(rt.settings.signing_key, viewer.id)
                return LoginResult(viewer.id, token, tokens.open_id, created)
        except IntegrityError:
            if attempt:
                raise  # two logins of one TikTok user at once: the second sees the first's link
    raise AssertionError("unreachable")


def link(
    session: Session, settings: Settings, tokens: TokenSet, current_viewer_id: str | None,
    now: datetime,
) -> tuple[Viewer, bool]:
    viewer = session.scalar(select(Viewer).where(Viewer.tiktok_open_id == tokens.open_id))
    created = False
    if viewer is None:
        current = session.get(Viewer, current_viewer_id) if current_viewer_id else None
        if current is not None and current.tiktok_open_id is None:
            viewer = current
        else:
            viewer, _ = accounts.create_viewer(session, settings.signing_key)
            welcome_viewer(session, settings, viewer.id)
            created = True
        viewer.tiktok_open_id = tokens.open_id
    store_tokens(session, settings, viewer.id, tokens, now)
    session.flush()
    return viewer, created


def store_tokens(session: Session, settings: Settings, viewer_id: str, tokens: TokenSet,
                 now: datetime) -> None:
    row = session.get(TikTokToken, viewer_id)
    if row is None:
        row = TikTokToken(viewer_id=viewer_id)
        session.add(row)
    row.open_id = tokens.open_id
    row.access_token = seal(settings, tokens.access_token)
    row.access_expires_at = now + timedelta(seconds=tokens.expires_in)
    row.refresh_token = seal(settings, tokens.refresh_token)
    row.refresh_expires_at = now + timedelta(seconds=tokens.refresh_expires_in)
    row.scope = tokens.scope[:200]
    row.updated_at = now


INVALID_TOKEN = "access_token_invalid"  # noqa: S105 (an error code, not a secret)


def access_token(
    rt: Runtime, viewer_id: str, now: datetime | None = None, *, force_refresh: bool = False
) -> str:
    """The viewer's current access token, refreshed first when it is about to expire (or when
    TikTok just refused it)."""
    now = now or utcnow()
    with rt.db.session() as session:
        row = session.get(TikTokToken, viewer_id)
        if row is None:
            raise Conflict("Log in with TikTok first to pay with Beans.",
                           code="tiktok_login_required")
        if row.access_expires_at - TOKEN_MARGIN > now and not force_refresh:
            return unseal(rt.settings, row.access_token)
        if row.refresh_expires_at <= now:
            raise Conflict("The TikTok login has expired; log in again.",
                           code="tiktok_login_required")
        refresh = unseal(rt.settings, row.refresh_token)
    try:
        with tiktok.client(rt.settings) as client:
            tokens = client.refresh(refresh)
    except TikTokError as exc:
        raise TikTokUnavailable(f"TikTok did not refresh the login ({exc.code}).") from exc
    with rt.db.session() as session:
        store_tokens(session, rt.settings, viewer_id, tokens, now)
    return tokens.access_token


def start_order(rt: Runtime, order_id: str, now: datetime | None = None) -> None:
    """Create the Beans trade order of a `created` TikTok order and make it `pending`."""
    now = now or utcnow()
    with rt.db.session() as session:
        order = session.get(Order, order_id)
        assert order is not None
        if order.status is not OrderStatus.created:
            return
        offer = session.get(Offer, order.offer_id)
        title = offer.title if offer is not None else order.offer_id
        viewer_id, amount = order.viewer_id, order.amount_minor

    def create(token: str) -> str:
        with tiktok.client(rt.settings) as client:
            return client.create_trade_order(
                token, order_id=order_id, product_name=title, token_amount=amount,
            )

    try:
        try:
            trade_order_id = create(access_token(rt, viewer_id, now))
        except TikTokError as exc:
            if exc.code != INVALID_TOKEN:
                raise
            trade_order_id = create(access_token(rt, viewer_id, now, force_refresh=True))
    except TikTokError as exc:
        raise TikTokUnavailable(
            f"TikTok did not create the payment ({exc.code}); try again with the same key."
        ) from exc
    with rt.db.session() as session:
        orders.set_pending(session, order_id, trade_order_id, now)


def reconcile(rt: Runtime, order_id: str, now: datetime | None = None) -> bool:
    """Ask TikTok's query API about a pending order whose webhook is late; a SUCCESS goes through
    the inbox under the webhook's own key, so the two can never both take effect."""
    now = now or utcnow()
    with rt.db.session() as session:
        order = session.get(Order, order_id)
        if (order is None or order.provider != tiktok.NAME or not order.external_id
                or order.status is not OrderStatus.pending):
            return False
        viewer_id, trade_order_id = order.viewer_id, order.external_id

    def query(token: str) -> dict[str, object]:
        with tiktok.client(rt.settings) as client:
            return client.query_trade_order(token, trade_order_id)

    try:
        try:
            data = query(access_token(rt, viewer_id, now))
        except TikTokError as exc:
            if exc.code != INVALID_TOKEN:
                raise
            data = query(access_token(rt, viewer_id, now, force_refresh=True))
    except (TikTokError, DomainError):
        return False
    if not tiktok.query_says_paid(data):
        return False
    event = tiktok.paid_event(trade_order_id, {
        "order_id": order_id, "is_sandbox": bool(data.get("is_sandbox")), "open_id": None,
    })
    with rt.db.session() as session:
        row_id, _new = webhooks.record(session, event, json.dumps({"query": data}), now)
    with rt.db.session() as session:
        webhooks.handle(session, rt.settings, row_id, now)
    return True
