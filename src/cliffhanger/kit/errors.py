"""Domain errors. Services raise these; `app.py` maps them to RFC 9457 problem responses."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra

    def problem(self) -> dict[str, Any]:
        return {
            "type": f"https://cliffhanger.dev/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
            **self.extra,
        }


class NotFound(DomainError):
    status, code, title = 404, "not_found", "Not found"


class Unauthorized(DomainError):
    status, code, title = 401, "unauthorized", "Authentication required"


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Forbidden"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class PaymentRequired(DomainError):
    status, code, title = 402, "payment_required", "Payment required"


class InsufficientCoins(PaymentRequired):
    code, title = "insufficient_coins", "Not enough coins"


class Invalid(DomainError):
    status, code, title = 422, "invalid", "Invalid request"


class PayloadTooLarge(DomainError):
    status, code, title = 413, "too_large", "Payload too large"
