"""Signed tokens (HMAC-SHA256) and API-key hashing.

Tokens are `<base64url(json payload)>.<base64url(hmac)>`, with a purpose string mixed into the
MAC so a token minted for one use (a viewer identity) can never pass as another (a playback grant).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any


class BadToken(Exception):
    """The token is malformed, tampered with, for another purpose, or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, purpose: str, body: str) -> bytes:
    return hmac.new(key, purpose.encode() + b"\x00" + body.encode(), hashlib.sha256).digest()


def sign(key: bytes, purpose: str, payload: dict[str, Any], ttl_s: int | None = None) -> str:
    data = dict(payload)
    if ttl_s is not None:
        data["exp"] = int(time.time()) + ttl_s
    body = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_b64(_mac(key, purpose, body))}"


def verify(key: bytes, purpose: str, token: str, now: float | None = None) -> dict[str, Any]:
    try:
        body, sig = token.split(".", 1)
        given = _unb64(sig)
    except (ValueError, TypeError) as exc:
        raise BadToken("malformed token") from exc
    if not hmac.compare_digest(given, _mac(key, purpose, body)):
        raise BadToken("bad signature")
    try:
        payload: dict[str, Any] = json.loads(_unb64(body))
    except ValueError as exc:
        raise BadToken("malformed payload") from exc
    exp = payload.get("exp")
    if exp is not None and (now if now is not None else time.time()) >= float(exp):
        raise BadToken("expired")
    return payload


def new_api_key() -> tuple[str, str, str]:
    """A fresh studio API key: (full key shown once, lookup prefix, SHA-256 of the secret)."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"chk_{prefix}_{secret}", prefix, hash_secret(secret)


def split_api_key(key: str) -> tuple[str, str]:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "chk" or not parts[1] or not parts[2]:
        raise BadToken("malformed API key")
    return parts[1], parts[2]


def hash_secret(secret: str) -> str:
    # The secret has 256 bits of entropy, so a fast hash is enough (no password stretching needed).
    return hashlib.sha256(secret.encode()).hexdigest()
