"""Rewarded-ad unlocks: server-side minimum watch time, once per session, the daily cap under
concurrency, TikTok's isEnded, and AdMob-style server-side verification with key rotation."""

from __future__ import annotations

import base64
import threading
import time
import uuid
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.helpers import LiveServer
from tests.money import (
    add_series,
    assert_sound,
    balance,
    drain,
    new_viewer,
    viewer_headers,
)

from cliffhanger.access import ads
from cliffhanger.access.models import AdSession, AdStatus
from cliffhanger.app import create_app
from cliffhanger.kit.errors import Conflict, Forbidden
from cliffhanger.ledger.models import Entitlement, EntitlementSource, Transfer


def _start(rt, viewer, episode, now, provider="sandbox") -> str:
    with rt.db.session() as session:
        return ads.start(session, rt.settings, viewer, episode, provider, now).id


def _complete(rt, viewer, sid, now, is_ended=None) -> ads.AdResult:
    with rt.db.session() as session:
        result = ads.complete(session, rt.settings, viewer, sid, is_ended=is_ended, now=now)
        session.expunge(result.session)
        return result


def _ad_entitlements(rt, viewer) -> int:
    with rt.db.session() as session:
        return session.scalar(select(func.count()).select_from(Entitlement).where(
            Entitlement.viewer_id == viewer, Entitlement.source == EntitlementSource.ad))


def test_minimum_watch_time_is_measured_by_the_server_and_a_session_pays_once(rt, clock):
    _org, _series, eps = add_series(rt)
    viewer = new_viewer(rt, paid=100)
    sid = _start(rt, viewer, eps[3], clock.now)
    with pytest.raises(Conflict) as early:
        _complete(rt, viewer, sid, clock.now + timedelta(seconds=14))
    assert early.value.code == "ad_too_short" and early.value.extra["retry_after_s"] == 1
    first = _complete(rt, viewer, sid, clock.now + timedelta(seconds=15))
    assert first.rewarded and first.unlocked
    again = _complete(rt, viewer, sid, clock.now + timedelta(seconds=20))
    assert again.unlocked and not again.rewarded
    assert _ad_entitlements(rt, viewer) == 1
    assert balance(rt, viewer).total == 100  # ads never touch coins
    with rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Transfer).where(
            Transfer.viewer_id == viewer, Transfer.kind == "unlock")) == 0
    with pytest.raises(Conflict) as done:  # the episode is open now: no new session for it
        _start(rt, viewer, eps[3], clock.now)
    assert done.value.code == "already_unlocked"
    assert_sound(rt)


def test_daily_cap_refuses_beyond_it_and_resets_the_next_utc_day(make_runtime, clock):
    rt = make_runtime(ad_daily_cap=3)
    _org, _series, eps = add_series(rt, episodes=8, free=0)
    viewer = new_viewer(rt)
    for ep in eps[:3]:
        sid = _start(rt, viewer, ep, clock.now)
        assert _complete(rt, viewer, sid, clock.now + timedelta(seconds=15)).rewarded
    with pytest.raises(Forbidden) as capped:
        _start(rt, viewer, eps[3], clock.now + timedelta(minutes=1))
    assert capped.value.code == "ad_cap_reached" and "3 ad unlocks" in capped.value.detail
    tomorrow = clock.now.replace(hour=0, minute=0) + timedelta(days=1, seconds=1)
    sid = _start(rt, viewer, eps[3], tomorrow)
    assert _complete(rt, viewer, sid, tomorrow + timedelta(seconds=15)).rewarded
    assert_sound(rt)


def test_concurrent_completions_never_pass_the_cap(make_runtime, clock):
    rt = make_runtime(ad_daily_cap=3)
    _org, _series, eps = add_series(rt, episodes=12, free=0)
    viewer = new_viewer(rt)
    sids = [_start(rt, viewer, ep, clock.now) for ep in eps[:10]]  # all started under the cap
    later = clock.now + timedelta(seconds=20)
    results: list[ads.AdResult] = []
    barrier = threading.Barrier(len(sids))

    def complete(sid: str) -> None:
        barrier.wait()
        results.append(_complete(rt, viewer, sid, later))

    threads = [threading.Thread(target=complete, args=(s,)) for s in sids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 10
    assert sum(r.rewarded for r in results) == 3
    assert sum(isinstance(r.error, Forbidden) for r in results) == 7
    assert _ad_entitlements(rt, viewer) == 3
    assert_sound(rt)


def test_tiktok_ad_closed_early_burns_the_session_and_expired_sessions_pay_nothing(rt, clock):
    _org, _series, eps = add_series(rt)
    viewer = new_viewer(rt)
    sid = _start(rt, viewer, eps[3], clock.now, "tiktok")
    closed = _complete(rt, viewer, sid, clock.now + timedelta(seconds=30), is_ended=False)
    assert closed.error is not None and closed.error.code == "ad_not_finished"
    with pytest.raises(Conflict) as again:
        _complete(rt, viewer, sid, clock.now + timedelta(seconds=31), is_ended=True)
    assert again.value.code == "ad_session_closed"
    stale = _start(rt, viewer, eps[3], clock.now)
    late = _complete(rt, viewer, stale, clock.now + timedelta(hours=2), is_ended=True)
    assert late.error is not None and late.error.code == "ad_session_expired"
    ok = _start(rt, viewer, eps[3], clock.now)
    assert _complete(rt, viewer, ok, clock.now + timedelta(seconds=15), is_ended=True).rewarded
    assert_sound(rt)


def test_ad_unlock_through_the_api(make_runtime):
    rt = make_runtime(ad_min_watch_s=1)
    _org, _series, eps = add_series(rt)
    viewer, other = new_viewer(rt), new_viewer(rt)
    h = viewer_headers(rt, viewer)
    with TestClient(create_app(runtime=rt, embedded_workers=False)) as client:
        assert client.post(f"/api/v1/episodes/{eps[2]}/playback", headers=h).status_code == 402
        r = client.post("/api/v1/ad-sessions", headers=h,
                        json={"episode_id": eps[2], "provider": "sandbox"})
        assert r.status_code == 201, r.text
        ad = r.json()
        assert (ad["min_watch_s"], ad["status"], ad["remaining_today"]) == (1, "started", 5)
        early = client.post(f"/api/v1/ad-sessions/{ad['ad_session_id']}/complete", headers=h)
        assert early.status_code == 409 and early.json()["code"] == "ad_too_short"
        assert client.post(f"/api/v1/ad-sessions/{ad['ad_session_id']}/complete",
                           headers=viewer_headers(rt, other)).status_code == 404
        time.sleep(1.1)
        done = client.post(f"/api/v1/ad-sessions/{ad['ad_session_id']}/complete", headers=h)
        assert done.status_code == 200 and done.json()["unlocked"] is True
        assert done.json()["remaining_today"] == 4
        assert client.post(f"/api/v1/episodes/{eps[2]}/playback", headers=h).status_code == 200
        free = client.post("/api/v1/ad-sessions", headers=h,
                           json={"episode_id": eps[0], "provider": "sandbox"})
        assert free.status_code == 422
        wall = client.get(f"/api/v1/episodes/{eps[3]}/paywall", headers=h).json()
        assert wall["ad"] == {**wall["ad"], "available": True, "remaining_today": 4,
                              "daily_cap": 5, "min_watch_s": 1}
    assert_sound(rt)


def test_ad_sessions_carry_the_configured_ad_unit(make_runtime):
    rt = make_runtime(tiktok_ad_unit_id="tt-unit-42", admob_ad_unit_id=None)
    _org, _series, eps = add_series(rt)
    h = viewer_headers(rt, new_viewer(rt))
    with TestClient(create_app(runtime=rt, embedded_workers=False)) as client:
        tiktok = client.post("/api/v1/ad-sessions", headers=h,
                             json={"episode_id": eps[2], "provider": "tiktok"})
        assert tiktok.status_code == 201 and tiktok.json()["ad_unit_id"] == "tt-unit-42"
        sandbox = client.post("/api/v1/ad-sessions", headers=h,
                              json={"episode_id": eps[3], "provider": "sandbox"})
        assert sandbox.status_code == 201 and sandbox.json()["ad_unit_id"] is None
        # The viewer page names the unit for the TikTok adapter (TTMinis.createRewardedVideoAd).
        page = client.get("/")
        assert '<meta name="cliffhanger-tiktok-ad-unit-id" content="tt-unit-42">' in page.text
        # Brand-hosted product pictures may load; scripts stay on our origin.
        policy = page.headers["content-security-policy"]
        assert "img-src 'self' https: data: blob:;" in policy
        assert "script-src 'self';" in policy and "object-src 'none'" in policy


# ----- AdMob-style server-side verification ------------------------------------------------------


class KeyServer:
    def __init__(self) -> None:
        self.keys: dict[int, ec.EllipticCurvePrivateKey] = {}
        self.hits = 0

    def add(self) -> int:
        key_id = int(uuid.uuid4().int % 10**10)
        self.keys[key_id] = ec.generate_private_key(ec.SECP256R1())
        return key_id

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/verifier-keys.json")
        def keys() -> dict:
            self.hits += 1
            return {"keys": [{
                "keyId": kid, "pem": k.public_key().public_bytes(
                    serialization.Encoding.PEM,
                    serialization.PublicFormat.SubjectPublicKeyInfo).decode(),
                "base64": "",
            } for kid, k in self.keys.items()]}

        return app

    def callback(self, key_id: int, sid: str, viewer: str, txn: str, ts_ms: int,
                 private: ec.EllipticCurvePrivateKey | None = None) -> str:
        message = (f"ad_network=5450213213286189855&ad_unit=1234567890&custom_data={sid}"
                   f"&reward_amount=1&reward_item=episode&timestamp={ts_ms}"
                   f"&transaction_id={txn}&user_id={viewer}")
        sig = (private or self.keys[key_id]).sign(message.encode(), ec.ECDSA(hashes.SHA256()))
        b64 = base64.urlsafe_b64encode(sig).decode().rstrip("=")
        return f"{message}&signature={b64}&key_id={key_id}"


@pytest.fixture
def admob(make_runtime):
    server = KeyServer()
    first = server.add()
    with LiveServer(server.app()) as live:
        rt = make_runtime(admob_keys_url=f"{live.url}/verifier-keys.json", ad_min_watch_s=0)
        with TestClient(create_app(runtime=rt, embedded_workers=False)) as client:
            yield rt, client, server, first


def test_admob_reward_is_verified_deduplicated_and_survives_key_rotation(admob):
    rt, client, server, key_id = admob
    _org, _series, eps = add_series(rt)
    viewer = new_viewer(rt)
    h = viewer_headers(rt, viewer)
    ad = client.post("/api/v1/ad-sessions", headers=h,
                     json={"episode_id": eps[2], "provider": "admob"}).json()
    assert ad["ssv"] == {"custom_data": ad["ad_session_id"], "user_id": viewer}
    pending = client.post(f"/api/v1/ad-sessions/{ad['ad_session_id']}/complete", headers=h)
    assert pending.status_code == 409 and pending.json()["code"] == "ad_pending_verification"
    now_ms = int(time.time() * 1000)
    query = server.callback(key_id, ad["ad_session_id"], viewer, "txn-1", now_ms)
    assert client.get(f"/api/v1/webhooks/admob?{query}").status_code == 200
    assert client.get(f"/api/v1/webhooks/admob?{query}").status_code == 200  # retried by Google
    drain(rt)
    got = client.get(f"/api/v1/ad-sessions/{ad['ad_session_id']}", headers=h).json()
    assert got["status"] == "completed" and got["unlocked"]
    assert _ad_entitlements(rt, viewer) == 1
    # Tampering, a forged key, and an unknown key id are refused.
    tampered = query.replace("user_id=", "user_id=x")
    assert client.get(f"/api/v1/webhooks/admob?{tampered}").status_code == 401
    forged = server.callback(key_id, ad["ad_session_id"], viewer, "txn-2", now_ms,
                             private=ec.generate_private_key(ec.SECP256R1()))
    assert client.get(f"/api/v1/webhooks/admob?{forged}").status_code == 401
    unsigned = query.split("&signature=")[0]
    assert client.get(f"/api/v1/webhooks/admob?{unsigned}").status_code == 401
    # Google rotates keys: a callback signed with a new key id makes us refetch the key list.
    rotated = server.add()
    other = client.post("/api/v1/ad-sessions", headers=h,
                        json={"episode_id": eps[3], "provider": "admob"}).json()
    hits = server.hits
    q2 = server.callback(rotated, other["ad_session_id"], viewer, "txn-3", int(time.time() * 1000))
    # Within a minute of the last fetch an unknown key id does not hammer the key server...
    assert client.get(f"/api/v1/webhooks/admob?{q2}").status_code == 401
    assert server.hits == hits
    # ...after that, it refetches the list and finds the new key.
    from cliffhanger.access import admob as admob_provider

    admob_provider.key_cache(rt.settings).fetched_at -= 120
    assert client.get(f"/api/v1/webhooks/admob?{q2}").status_code == 200
    drain(rt)
    assert server.hits > hits
    assert client.get(f"/api/v1/ad-sessions/{other['ad_session_id']}",
                      headers=h).json()["status"] == "completed"
    assert_sound(rt)


def test_admob_reward_before_the_minimum_watch_time_is_rejected(admob):
    rt, client, server, key_id = admob
    rt.settings.ad_min_watch_s = 15
    _org, _series, eps = add_series(rt)
    viewer = new_viewer(rt)
    h = viewer_headers(rt, viewer)
    ad = client.post("/api/v1/ad-sessions", headers=h,
                     json={"episode_id": eps[2], "provider": "admob"}).json()
    query = server.callback(key_id, ad["ad_session_id"], viewer, "txn-early",
                            int(time.time() * 1000))
    assert client.get(f"/api/v1/webhooks/admob?{query}").status_code == 200
    drain(rt)
    with rt.db.session() as session:
        row = session.get(AdSession, ad["ad_session_id"])
        assert row.status is AdStatus.rejected
    assert _ad_entitlements(rt, viewer) == 0
    assert_sound(rt)
