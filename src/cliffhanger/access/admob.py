"""AdMob-style server-side verification (SSV) of rewarded ads.

The ad network calls `GET /api/v1/webhooks/admob?<params>&signature=<sig>&key_id=<id>`; the
signature is ECDSA (P-256, SHA-256, DER, base64url) over the query string up to (not including)
`&signature=`. Public keys come from `CLIFFHANGER_ADMOB_KEYS_URL` as
`{"keys": [{"keyId": <int>, "pem": "-----BEGIN PUBLIC KEY-----…", "base64": "…"}]}` and are
cached; an unknown `key_id` refetches the list (at most once a minute), so key rotation needs no
restart. `custom_data` carries our ad session id and `user_id` the viewer id.
"""

from __future__ import annotations

import base64
import threading
import time
from typing import Any
from urllib.parse import parse_qsl

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key

from cliffhanger.inbox.service import EventType, InboundEvent
from cliffhanger.kit.config import Settings
from cliffhanger.kit.errors import Invalid, Unauthorized

NAME = "admob"
KEYS_TTL_S = 24 * 3600
MIN_REFETCH_S = 60.0


class KeyCache:
    """The verifier keys of one key server, refreshed daily and on an unknown key id."""

    def __init__(
        self, url: str, *, ttl_s: float = KEYS_TTL_S, min_refetch_s: float = MIN_REFETCH_S
    ) -> None:
        self.url, self.ttl_s, self.min_refetch_s = url, ttl_s, min_refetch_s
        self.keys: dict[int, ec.EllipticCurvePublicKey] = {}
        self.fetched_at = 0.0
        self.fetch_count = 0
        self.lock = threading.Lock()

    def get(self, key_id: int) -> ec.EllipticCurvePublicKey | None:
        with self.lock:
            now = time.monotonic()
            stale = now - self.fetched_at > self.ttl_s
            unknown = key_id not in self.keys and now - self.fetched_at > self.min_refetch_s
            if stale or unknown or not self.fetch_count:
                self._refresh(now)
            return self.keys.get(key_id)

    def _refresh(self, now: float) -> None:
        try:
            r = httpx.get(self.url, timeout=10)
            r.raise_for_status()
            entries = r.json().get("keys", [])
        except (httpx.HTTPError, ValueError, AttributeError):
            return  # keep the keys we have; a later request retries
        keys: dict[int, ec.EllipticCurvePublicKey] = {}
        for entry in entries:
            try:
                if entry.get("pem"):
                    key = load_pem_public_key(entry["pem"].encode())
                else:
                    key = load_der_public_key(base64.b64decode(entry["base64"]))
            except (ValueError, KeyError, TypeError):
                continue
            if isinstance(key, ec.EllipticCurvePublicKey):
                keys[int(entry["keyId"])] = key
        self.keys, self.fetched_at = keys, now
        self.fetch_count += 1


_caches: dict[str, KeyCache] = {}
_caches_lock = threading.Lock()


def key_cache(settings: Settings) -> KeyCache:
    with _caches_lock:
        cache = _caches.get(settings.admob_keys_url)
        if cache is None:
            cache = _caches[settings.admob_keys_url] = KeyCache(settings.admob_keys_url)
        return cache


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_query(settings: Settings, query: str) -> dict[str, str]:
    """The callback's parameters when its signature verifies; `Unauthorized` otherwise."""
    cut = query.find("&signature=")
    if cut < 0:
        raise Unauthorized("The reward callback is not signed.", code="bad_signature")
    message = query[:cut].encode()
    tail = dict(parse_qsl(query[cut + 1:], keep_blank_values=True))
    try:
        sig = _b64url(tail["signature"])
        key_id = int(tail["key_id"])
    except (KeyError, ValueError) as exc:
        raise Unauthorized("The reward callback signature is malformed.",
                           code="bad_signature") from exc
    key = key_cache(settings).get(key_id)
    if key is None:
        raise Unauthorized(f"Unknown verifier key {key_id}.", code="bad_signature")
    try:
        key.verify(sig, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise Unauthorized("The reward callback signature does not verify.",
                           code="bad_signature") from exc
    return dict(parse_qsl(query[:cut], keep_blank_values=True))


def _seconds(timestamp: str | None) -> float | None:
    if not timestamp:
        return None
    value = float(timestamp)
    return value / 1e6 if value > 1e14 else value / 1e3  # documented as ms; samples show µs


def parse_callback(settings: Settings, query: str) -> InboundEvent:
    params = verify_query(settings, query)
    transaction_id = params.get("transaction_id")
    session_id = params.get("custom_data")
    if not transaction_id or not session_id:
        raise Invalid("The reward callback lacks transaction_id or custom_data.")
    data: dict[str, Any] = {
        "session_id": session_id, "user_id": params.get("user_id") or None,
        "transaction_id": transaction_id, "reward_ts": _seconds(params.get("timestamp")),
        "ad_unit": params.get("ad_unit"),
    }
    return InboundEvent(NAME, transaction_id, EventType.AD_REWARD, data)
