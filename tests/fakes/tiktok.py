"""A local fake of TikTok's OAuth and Minis trade-order endpoints, implementing their documented
contract, and TikTok's side of payment webhooks.

- `POST /v2/oauth/token/` (form: client_key, client_secret, code, grant_type=authorization_code |
  refresh_token) → flat JSON `access_token, expires_in, open_id, refresh_token,
  refresh_expires_in, scope, token_type`; errors as `error`, `error_description`, `log_id`.
  Codes are single-use.
- `POST /v2/minis/trade_order/create/` and `/query/` with the *user's* bearer token → the Open API
  envelope `{"data": …, "error": {"code": "ok", "message": "", "log_id": …}}`.
- `pay()` / `refund()` play the user paying in `TTMinis.pay` and TikTok refunding, and send the
  signed webhook (`Tiktok-Signature: t=…,s=HMAC-SHA256(client_secret, t + "." + body)`).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse
from tests.helpers import LiveServer

from cliffhanger.integrations.tiktok import signature

PAID_EVENT = "minis.trade_order.redeem.success"
REFUND_EVENT = "minis.trade_order.redeem.refund_traceback"


@dataclass
class TradeOrder:
    trade_order_id: str
    order_id: str
    open_id: str
    token_amount: int
    product_name: str
    status: str = "PENDING"
    is_sandbox: bool = False
    refunded: int = 0


@dataclass
class FakeTikTok:
    client_key: str = "fake-client-key"
    client_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    access_ttl_s: int = 86_400
    refresh_ttl_s: int = 365 * 86_400
    sandbox: bool = False
    webhook_url: str | None = None
    codes: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    orders: dict[str, TradeOrder] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # ----- what the test (or the user in the TikTok app) does --------------------------------

    def issue_code(self, open_id: str | None = None) -> tuple[str, str]:
        """A `TTMinis.login` code for a user; returns (code, open_id)."""
        open_id = open_id or "oid_" + uuid.uuid4().hex[:16]
        code = "code_" + secrets.token_hex(8)
        self.codes[code] = open_id
        return code, open_id

    def expire_tokens(self) -> None:
        self.tokens = {t: (o, 0.0) for t, (o, _exp) in self.tokens.items()}

    def webhook(
        self, event: str, content: dict[str, Any], open_id: str,
        timestamp: int | None = None, secret: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        body = json.dumps({
            "client_key": self.client_key, "event": event, "create_time": int(time.time()),
            "user_openid": open_id, "content": json.dumps(content),
        }).encode()
        ts = int(time.time()) if timestamp is None else timestamp
        header = signature.header_value(secret or self.client_secret, ts, body)
        return body, {"Tiktok-Signature": header, "Content-Type": "application/json"}

    def send(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        assert self.webhook_url, "no webhook URL registered"
        return httpx.post(self.webhook_url, content=body, headers=headers, timeout=10)

    def pay(self, trade_order_id: str, *, deliver: bool = True) -> tuple[bytes, dict[str, str]]:
        """The user confirms `TTMinis.pay`: the order succeeds and TikTok calls our webhook."""
        order = self.orders[trade_order_id]
        order.status = "SUCCESS"
        hook = self.webhook(PAID_EVENT, {
            "trade_order_id": order.trade_order_id, "order_id": order.order_id,
            "is_sandbox": order.is_sandbox,
        }, order.open_id)
        if deliver:
            assert self.send(*hook).status_code == 200
        return hook

    def refund(
        self, trade_order_id: str, amount: int, *, deliver: bool = True
    ) -> tuple[bytes, dict[str, str]]:
        order = self.orders[trade_order_id]
        order.refunded += amount
        hook = self.webhook(REFUND_EVENT, {
            "trade_order_id": order.trade_order_id, "order_id": order.order_id,
            "is_sandbox": order.is_sandbox, "refund_amount": amount,
            "refund_id": "rf_" + uuid.uuid4().hex[:12],
        }, order.open_id)
        if deliver:
            assert self.send(*hook).status_code == 200
        return hook

    # ----- the HTTP side ----------------------------------------------------------------------

    def _tokens_for(self, open_id: str) -> dict[str, Any]:
        access, refresh = "act." + secrets.token_hex(16), "rft." + secrets.token_hex(16)
        self.tokens[access] = (open_id, time.time() + self.access_ttl_s)
        self.refresh_tokens[refresh] = open_id
        return {"access_token": access, "expires_in": self.access_ttl_s, "open_id": open_id,
                "refresh_token": refresh, "refresh_expires_in": self.refresh_ttl_s,
                "scope": "user.info.basic", "token_type": "Bearer"}

    def _user(self, request: Request) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        found = self.tokens.get(token) if scheme == "Bearer" else None
        if found is None or found[1] < time.time():
            return None
        return found[0]

    @staticmethod
    def _envelope(data: dict[str, Any] | None, code: str = "ok", message: str = "",
                  status: int = 200) -> JSONResponse:
        return JSONResponse({"data": data or {}, "error": {
            "code": code, "message": message, "log_id": uuid.uuid4().hex.upper()}},
            status_code=status)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v2/oauth/token/")
        def token(
            client_key: str = Form(), client_secret: str = Form(), grant_type: str = Form(),
            code: str | None = Form(None), refresh_token: str | None = Form(None),
        ) -> JSONResponse:
            self.calls.append(f"token:{grant_type}")
            if client_key != self.client_key or client_secret != self.client_secret:
                return JSONResponse({"error": "invalid_client", "error_description":
                                     "Client key or secret is incorrect.", "log_id": "x"}, 401)
            with self.lock:
                if grant_type == "authorization_code":
                    open_id = self.codes.pop(code or "", None)
                    if open_id is None:
                        return JSONResponse({"error": "invalid_grant", "error_description":
                                             "Authorization code is expired.", "log_id": "x"}, 400)
                    return JSONResponse(self._tokens_for(open_id))
                if grant_type == "refresh_token":
                    open_id = self.refresh_tokens.get(refresh_token or "")
                    if open_id is None:
                        return JSONResponse({"error": "invalid_grant", "error_description":
                                             "Refresh token is invalid.", "log_id": "x"}, 400)
                    return JSONResponse(self._tokens_for(open_id))
            return JSONResponse({"error": "unsupported_grant_type", "error_description": "",
                                 "log_id": "x"}, 400)

        @app.post("/v2/minis/trade_order/create/")
        async def create(request: Request) -> JSONResponse:
            self.calls.append("trade_order/create")
            open_id = self._user(request)
            if open_id is None:
                return self._envelope(None, "access_token_invalid",
                                      "The access token is invalid.", 401)
            body = await request.json()
            info = body.get("order_info") or {}
            amount = body.get("token_amount")
            if (body.get("token_type") != "BEANS" or not isinstance(amount, int) or amount <= 0
                    or not info.get("order_id") or not info.get("product_name")):
                return self._envelope(None, "invalid_params", "Bad trade order.", 400)
            with self.lock:
                for order in self.orders.values():
                    if order.order_id == info["order_id"]:
                        return self._envelope({"trade_order_id": order.trade_order_id})
                trade = TradeOrder("TO" + uuid.uuid4().hex[:20].upper(), info["order_id"], open_id,
                                   amount, info["product_name"], is_sandbox=self.sandbox)
                self.orders[trade.trade_order_id] = trade
            return self._envelope({"trade_order_id": trade.trade_order_id})

        @app.post("/v2/minis/trade_order/query/")
        async def query(request: Request) -> JSONResponse:
            self.calls.append("trade_order/query")
            open_id = self._user(request)
            if open_id is None:
                return self._envelope(None, "access_token_invalid",
                                      "The access token is invalid.", 401)
            body = await request.json()
            order = self.orders.get(str(body.get("trade_order_id")))
            if order is None or order.open_id != open_id:
                return self._envelope(None, "trade_order_not_found", "No such trade order.", 404)
            return self._envelope({
                "trade_order_id": order.trade_order_id, "order_id": order.order_id,
                "status": order.status, "token_type": "BEANS", "token_amount": order.token_amount,
                "is_sandbox": order.is_sandbox,
            })

        return app

    def serve(self) -> LiveServer:
        return LiveServer(self.app())
