"""A small synchronous client for TikTok's OAuth v2 and Open API (the parts we use).

- `POST /v2/oauth/token/` (form-encoded) answers flat JSON: `access_token`, `expires_in`, `open_id`,
  `refresh_token`, `refresh_expires_in`, `scope`, `token_type`; an error is `error` plus
  `error_description`.
- Open API calls answer `{"data": {...}, "error": {"code": "ok", "message": "", "log_id": ...}}`;
  any `error.code` other than `ok` is a failure.
- Minis trade orders are created and queried with the *user's* bearer token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_TIMEOUT_S = 10.0


class TikTokError(Exception):
    """TikTok refused a call or could not be reached (`code` is TikTok's, or `unreachable`)."""

    def __init__(self, code: str, message: str, log_id: str = "", status: int = 0) -> None:
        super().__init__(f"{code}: {message}" + (f" (log_id {log_id})" if log_id else ""))
        self.code, self.message, self.log_id, self.status = code, message, log_id, status


@dataclass(frozen=True)
class TokenSet:
    open_id: str
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    scope: str


class TikTokClient:
    def __init__(
        self, base_url: str, client_key: str, client_secret: str, *,
        timeout_s: float = DEFAULT_TIMEOUT_S, transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_key = client_key
        self.client_secret = client_secret
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout_s, transport=transport)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> TikTokClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- OAuth ---------------------------------------------------------------------------

    def _token(self, form: dict[str, str]) -> TokenSet:
        try:
            r = self.http.post(
                "/v2/oauth/token/", data={
                    "client_key": self.client_key, "client_secret": self.client_secret, **form,
                },
                headers={"Content-Type": "application/x-www-form-urlencoded",
                         "Cache-Control": "no-cache"},
            )
        except httpx.HTTPError as exc:
            raise TikTokError("unreachable", str(exc)) from exc
        body = _json(r)
        if r.status_code != 200 or ("error" in body and body.get("error") not in (None, "", "ok")):
            raise TikTokError(str(body.get("error") or f"http_{r.status_code}"),
                              str(body.get("error_description") or ""),
                              str(body.get("log_id") or ""), r.status_code)
        try:
            return TokenSet(
                open_id=str(body["open_id"]), access_token=str(body["access_token"]),
                expires_in=int(body["expires_in"]), refresh_token=str(body["refresh_token"]),
                refresh_expires_in=int(body["refresh_expires_in"]),
                scope=str(body.get("scope", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TikTokError("bad_response", f"token response lacks {exc}") from exc

    def exchange_code(self, code: str, redirect_uri: str | None = None) -> TokenSet:
        form = {"code": code, "grant_type": "authorization_code"}
        if redirect_uri:
            form["redirect_uri"] = redirect_uri
        return self._token(form)

    def refresh(self, refresh_token: str) -> TokenSet:
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    # ----- Open API -------------------------------------------------------------------------

    def call(self, path: str, access_token: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            r = self.http.post(path, json=body, headers={"Authorization": f"Bearer {access_token}"})
        except httpx.HTTPError as exc:
            raise TikTokError("unreachable", str(exc)) from exc
        envelope = _json(r)
        raw_error = envelope.get("error")
        error: dict[str, Any] = raw_error if isinstance(raw_error, dict) else {}
        code = str(error.get("code", ""))
        if code != "ok":
            raise TikTokError(code or f"http_{r.status_code}", str(error.get("message", "")),
                              str(error.get("log_id", "")), r.status_code)
        data = envelope.get("data")
        return data if isinstance(data, dict) else {}

    def create_trade_order(
        self, access_token: str, *, order_id: str, product_name: str, token_amount: int,
        quantity: int = 1, quantity_unit: str = "item",
    ) -> str:
        """A Beans trade order for `order_id` (ours); returns TikTok's `trade_order_id`, which the
        client passes to `TTMinis.pay`."""
        data = self.call("/v2/minis/trade_order/create/", access_token, {
            "token_type": "BEANS", "token_amount": token_amount,
            "order_info": {"order_id": order_id, "product_name": product_name,
                           "quantity": quantity, "quantity_unit": quantity_unit},
        })
        trade_order_id = data.get("trade_order_id")
        if not trade_order_id:
            raise TikTokError("bad_response", "trade order response lacks trade_order_id")
        return str(trade_order_id)

    def query_trade_order(self, access_token: str, trade_order_id: str) -> dict[str, Any]:
        """The trade order as TikTok sees it (`status`: PENDING | SUCCESS | ...)."""
        return self.call("/v2/minis/trade_order/query/", access_token,
                         {"trade_order_id": trade_order_id})


def _json(r: httpx.Response) -> dict[str, Any]:
    try:
        body = r.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
