"""Offers, orders, the sandbox checkout, inbound payment webhooks, TikTok login, subscriptions,
and the studio's series pricing. Mounted under `/api/v1` by `commerce.api`."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from cliffhanger.accounts import service as accounts
from cliffhanger.accounts.deps import OrgDep, ViewerDep, per_address, per_viewer
from cliffhanger.accounts.models import Viewer
from cliffhanger.catalog import service as catalog
from cliffhanger.kit.config import Settings
from cliffhanger.kit.db import utcnow
from cliffhanger.kit.errors import PayloadTooLarge, Unauthorized
from cliffhanger.kit.http import RuntimeDep
from cliffhanger.orders import sandbox_gateway, tiktok_minis, webhooks
from cliffhanger.orders import service as orders
from cliffhanger.orders.models import Order, OrderStatus
from cliffhanger.orders.providers import sandbox, tiktok
from cliffhanger.orders.schemas import (
    OfferList,
    OfferView,
    OrderCreate,
    OrderList,
    OrderView,
    SeriesPricingUpdate,
    SeriesPricingView,
    SubscriptionList,
    SubscriptionView,
    TikTokLogin,
    TikTokLoginResult,
)
from cliffhanger.orders.service import offer_view
from cliffhanger.pricing import offers
from cliffhanger.pricing import service as pricing
from cliffhanger.subscriptions import service as subscriptions
from cliffhanger.subscriptions.models import Subscription

router = APIRouter(prefix="/api/v1", tags=["orders"])
studio = APIRouter(prefix="/api/v1/studio", tags=["studio"])
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
NO_STORE = {"Cache-Control": "no-store"}
MAX_WEBHOOK_BYTES = 256 * 1024


def order_view(settings: Settings, order: Order, return_path: str = "/") -> OrderView:
    checkout = None
    if order.provider == orders.SANDBOX and order.status in (
        OrderStatus.created, OrderStatus.pending, OrderStatus.failed, OrderStatus.cancelled
    ):
        checkout = sandbox.checkout_url(settings, order.id, return_path)
    return OrderView(
        id=order.id, offer_id=order.offer_id, kind=str(order.kind), provider=order.provider,
        status=str(order.status), amount_minor=order.amount_minor, currency=order.currency,
        coins=order.coins, bonus_coins=order.bonus_coins, series_id=order.series_id,
        subscription_id=order.subscription_id, is_sandbox=order.is_sandbox,
        refunded_minor=order.refunded_minor, failure_reason=order.failure_reason,
        created_at=order.created_at, paid_at=order.paid_at, checkout_url=checkout,
        trade_order_id=order.external_id if order.provider == orders.TIKTOK else None,
    )


# ----- offers and orders -----------------------------------------------------------------------


@router.get("/offers", response_model=OfferList)
def list_offers(
    rt: RuntimeDep, viewer: ViewerDep, series_id: str | None = Query(default=None, max_length=64)
) -> OfferList:
    """Coin packs and subscriptions, plus the series pass of `series_id` when it has one."""
    with rt.db.session() as session:
        channel = pricing.channel_of(session, viewer.id)
        items = [OfferView(**offer_view(rt.settings, o))
                 for o in offers.list_offers(session, series_id)]
    return OfferList(channel=str(channel), items=items)


@router.post(
    "/orders", status_code=201, response_model=OrderView, dependencies=[per_viewer("order")],
    responses={200: {"description": "Replay of an earlier order with the same key"},
               403: {"description": "Over a spend limit"}, 409: {"description": "Already owned"},
               429: {"description": "Too many orders"},
               502: {"description": "TikTok did not answer; retry with the same key"}},
)
def create_order(
    body: OrderCreate, response: Response, rt: RuntimeDep, viewer: ViewerDep
) -> OrderView:
    """Start buying an offer. Sandbox: open `checkout_url`. TikTok: call
    `TTMinis.pay({trade_order_id})`. Then poll `GET /orders/{id}` until it is paid."""
    return_path = sandbox.check_return_path(body.return_url)
    with rt.db.session() as session:
        order, created = orders.create_order(
            session, rt.settings, viewer.id, offer_id=body.offer_id, provider=body.provider,
            idempotency_key=body.idempotency_key,
        )
        order_id = order.id
    if body.provider == orders.TIKTOK:
        tiktok_minis.start_order(rt, order_id)
    with rt.db.session() as session:
        order = orders.viewer_order(session, viewer.id, order_id)
        if not created:
            response.status_code = 200
        return order_view(rt.settings, order, return_path)


@router.get("/orders", response_model=OrderList)
def list_orders(rt: RuntimeDep, viewer: ViewerDep) -> OrderList:
    with rt.db.session() as session:
        return OrderList(items=[order_view(rt.settings, o)
                                for o in orders.list_orders(session, viewer.id)])


@router.get("/orders/{order_id}", response_model=OrderView)
def get_order(order_id: str, rt: RuntimeDep, viewer: ViewerDep) -> OrderView:
    """The order's state. A TikTok order still pending after a few seconds is asked for at
    TikTok's query API (the webhook may be late)."""
    with rt.db.session() as session:
        order = orders.viewer_order(session, viewer.id, order_id)
        late = (order.provider == tiktok.NAME and order.status is OrderStatus.pending
                and tiktok.stale(order.created_at, utcnow(), rt.settings))
    if late:
        tiktok_minis.reconcile(rt, order_id)
    with rt.db.session() as session:
        return order_view(rt.settings, orders.viewer_order(session, viewer.id, order_id))


# ----- the sandbox provider's hosted checkout ----------------------------------------------------


@router.get("/sandbox/checkout/{order_id}", response_class=HTMLResponse, include_in_schema=False)
def sandbox_checkout(order_id: str, request: Request, rt: RuntimeDep,
                     token: str = Query(max_length=2000)) -> HTMLResponse:
    with rt.db.session() as session:
        view = sandbox_gateway.checkout_view(session, rt, order_id, token)
    return templates.TemplateResponse(
        request, "sandbox_checkout.html",
        {"view": view, "card_ok": sandbox.CARD_OK, "card_declines": sandbox.CARD_DECLINES_RENEWALS},
        headers={**NO_STORE, "X-Frame-Options": "DENY",
                 "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                            "form-action 'self'; frame-ancestors 'none'"},
    )


@router.post("/sandbox/checkout/{order_id}", include_in_schema=False)
def sandbox_checkout_action(
    order_id: str, rt: RuntimeDep, token: str = Form(max_length=2000),
    action: str = Form(max_length=16), card: str | None = Form(default=None, max_length=40),
) -> RedirectResponse:
    target = sandbox_gateway.act(rt, order_id, token, action, card)
    return RedirectResponse(target, status_code=303, headers=NO_STORE)


# ----- inbound webhooks --------------------------------------------------------------------------


@router.post("/webhooks/{provider}", tags=["webhooks"])
async def webhook(provider: str, request: Request, rt: RuntimeDep) -> dict[str, int]:
    """Inbound payment events (`sandbox`, `tiktok`), verified on the raw body. Answers at once;
    the effect happens in the queue, exactly once per event."""
    if int(request.headers.get("content-length") or 0) > MAX_WEBHOOK_BYTES:
        raise PayloadTooLarge("The webhook body is too large.")
    raw = await request.body()
    if len(raw) > MAX_WEBHOOK_BYTES:
        raise PayloadTooLarge("The webhook body is too large.")
    recorded = await run_in_threadpool(webhooks.receive, rt, provider, raw, dict(request.headers))
    return {"received": len(recorded), "new": sum(1 for _, new in recorded if new)}


# ----- TikTok login -------------------------------------------------------------------------------


def _optional_viewer(request: Request, rt: RuntimeDep) -> Viewer | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    with rt.db.sessionmaker() as session:
        try:
            return accounts.authenticate_viewer(session, rt.settings.signing_key, token.strip())
        except Unauthorized:
            return None


@router.post("/auth/tiktok", response_model=TikTokLoginResult, tags=["viewers"],
             dependencies=[per_address("login")])
def tiktok_login(body: TikTokLogin, request: Request, rt: RuntimeDep) -> TikTokLoginResult:
    """Exchange a `TTMinis.login` code for the viewer's TikTok identity. Links the calling viewer
    (bearer token, optional) to the `open_id`, or logs in the viewer already linked to it; use
    the returned token from now on."""
    current = _optional_viewer(request, rt)
    result = tiktok_minis.login(rt, body.code, current.id if current else None)
    return TikTokLoginResult(viewer_id=result.viewer_id, token=result.token,
                             open_id=result.open_id, created=result.created)


# ----- subscriptions ------------------------------------------------------------------------------


def subscription_view(sub: Subscription) -> SubscriptionView:
    return SubscriptionView(
        id=sub.id, offer_id=sub.offer_id, period=str(sub.period), provider=sub.provider,
        status=str(sub.status), active=subscriptions.subscription_grants_access(sub, utcnow()),
        current_period_start=sub.current_period_start, current_period_end=sub.current_period_end,
        cancel_at_period_end=sub.cancel_at_period_end, grace_until=sub.grace_until,
    )


@router.get("/subscriptions", response_model=SubscriptionList, tags=["subscriptions"])
def list_subscriptions(rt: RuntimeDep, viewer: ViewerDep) -> SubscriptionList:
    with rt.db.session() as session:
        return SubscriptionList(items=[subscription_view(s)
                                       for s in subscriptions.list_for_viewer(session, viewer.id)])


@router.post("/subscriptions/{subscription_id}/cancel", response_model=SubscriptionView,
             tags=["subscriptions"])
def cancel_subscription(
    subscription_id: str, rt: RuntimeDep, viewer: ViewerDep
) -> SubscriptionView:
    """Stop renewing at the end of the period; access stays until then."""
    with rt.db.session() as session:
        sub = subscriptions.cancel(session, viewer.id, subscription_id, utcnow())
        return subscription_view(sub)


@router.post("/subscriptions/{subscription_id}/resume", response_model=SubscriptionView,
             tags=["subscriptions"])
def resume_subscription(
    subscription_id: str, rt: RuntimeDep, viewer: ViewerDep
) -> SubscriptionView:
    with rt.db.session() as session:
        sub = subscriptions.resume(session, viewer.id, subscription_id, utcnow())
        return subscription_view(sub)


# ----- studio: series pricing ---------------------------------------------------------------------


def _pricing_view(rt: RuntimeDep, series_id: str, p: offers.SeriesPricing) -> SeriesPricingView:
    return SeriesPricingView(
        series_id=series_id, free_episodes=p.free_episodes, price_coins=p.price_coins,
        channel_discounts_bps=p.channel_discounts_bps,
        series_pass=OfferView(**offer_view(rt.settings, p.series_pass)) if p.series_pass else None,
    )


@studio.get("/series/{series_id}/pricing", response_model=SeriesPricingView)
def get_pricing(series_id: str, rt: RuntimeDep, org: OrgDep) -> SeriesPricingView:
    with rt.db.session() as session:
        series = catalog.series_for_org(session, org, series_id)
        return _pricing_view(rt, series.id, offers.series_pricing(session, series))


@studio.put("/series/{series_id}/pricing", response_model=SeriesPricingView)
def put_pricing(
    series_id: str, body: SeriesPricingUpdate, rt: RuntimeDep, org: OrgDep
) -> SeriesPricingView:
    """Free episodes, per-episode coin price, per-channel discounts, and the series pass price.
    Viewers who already started the series keep the price they started at if it rises."""
    with rt.db.session() as session:
        series = catalog.series_for_org(session, org, series_id)
        offers.update_series_pricing(
            session, series, free_episodes=body.free_episodes, price_coins=body.price_coins,
            channel_discounts_bps=body.channel_discounts_bps,
        )
        if body.remove_series_pass:
            offers.set_series_pass(session, series, price_minor=None)
        elif body.series_pass is not None:
            offers.set_series_pass(
                session, series, price_minor=body.series_pass.price_minor,
                currency=body.series_pass.currency, tiktok_beans=body.series_pass.tiktok_beans,
            )
        return _pricing_view(rt, series.id, offers.series_pricing(session, series))
