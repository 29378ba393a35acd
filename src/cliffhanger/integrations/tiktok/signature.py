"""TikTok webhook signatures: `Tiktok-Signature: t=<unix seconds>,s=<hex>` where
`s = HMAC-SHA256(client_secret, "<t>." + raw body)`. Verified on the raw bytes, in constant time,
with a timestamp tolerance against replays."""

from __future__ import annotations

import hashlib
import hmac

HEADER = "Tiktok-Signature"


class SignatureError(Exception):
    """The signature header is missing, malformed, stale or does not match."""


def compute(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def header_value(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},s={compute(secret, timestamp, body)}"


def parse_header(value: str | None, sig_name: str = "s") -> tuple[int, list[str]]:
    if not value:
        raise SignatureError("missing signature header")
    timestamp: int | None = None
    sigs: list[str] = []
    for part in value.split(","):
        key, _, val = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(val)
            except ValueError as exc:
                raise SignatureError("malformed timestamp") from exc
        elif key == sig_name and val:
            sigs.append(val.strip())
    if timestamp is None or not sigs:
        raise SignatureError("malformed signature header")
    return timestamp, sigs


def verify(
    secret: str, body: bytes, header: str | None, *, now: float, tolerance_s: int,
    sig_name: str = "s",
) -> int:
    """Check the header against the raw body; returns the signed timestamp."""
    timestamp, sigs = parse_header(header, sig_name)
    if abs(now - timestamp) > tolerance_s:
        raise SignatureError("stale timestamp")
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    if not any(hmac.compare_digest(expected.encode(), s.encode()) for s in sigs):
        raise SignatureError("signature mismatch")
    return timestamp
