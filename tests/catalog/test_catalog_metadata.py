"""Series metadata on each database: studio edits (genres, tags, cast, release date, cover,
localized text), the series page a viewer gets, language negotiation, and organisation
isolation."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from tests.helpers import make_org, new_viewer, org_headers
from tests.world import db_series

from cliffhanger.app import create_app
from cliffhanger.kit.db import utcnow


@pytest.fixture
def world(rt):
    _org_id, key = make_org(rt)
    _other_id, other_key = make_org(rt, "Other")
    with TestClient(create_app(runtime=rt, embedded_workers=False)) as client:
        yield rt, client, key, other_key


def _png(width: int = 300, height: int = 400) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 90)).save(out, "PNG")
    return out.getvalue()


def test_patch_series_metadata(world):
    rt, client, key, _ = world
    sid, _ = db_series(rt, key, title="Original")
    h = org_headers(key)
    when = (utcnow() - timedelta(days=3)).replace(microsecond=0)
    r = client.patch(f"/api/v1/studio/series/{sid}", headers=h, json={
        "title": "  New title ", "genres": ["Romance", "revenge", "romance"],
        "tags": ["#CEO", "ceo", "second chance", "  contract   marriage "],
        "language": "pt-br", "published_at": when.isoformat(),
    })
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["title"] == "New title"
    assert body["genres"] == ["romance", "revenge"]
    assert body["tags"] == ["CEO", "second chance", "contract marriage"]
    assert body["language"] == "pt-BR"
    assert body["published_at"].startswith(when.isoformat()[:19])
    # Only what is sent changes; null clears the release date.
    r = client.patch(f"/api/v1/studio/series/{sid}", headers=h, json={"published_at": None})
    assert r.json()["published_at"] is None and r.json()["tags"] == body["tags"]

    bad = [
        ({"genres": ["space opera"]}, "unknown_genre"),
        ({"genres": ["romance", "revenge", "comedy", "family"]}, "invalid"),
        ({"tags": [f"t{i}" for i in range(11)]}, "invalid"),
        ({"tags": ["a,b"]}, "invalid"),
        ({"tags": ["x" * 41]}, "invalid"),
        ({"title": "   "}, "invalid"),
        ({"language": "fr"}, "unsupported_language"),
        ({"published_at": (utcnow() + timedelta(days=2)).isoformat()}, "invalid"),
        ({"published_at": "2026-01-01T10:00:00"}, "invalid"),
    ]
    for payload, code in bad:
        r = client.patch(f"/api/v1/studio/series/{sid}", headers=h, json=payload)
        assert r.status_code == 422, (payload, r.text)
        assert r.json()["code"] == code, (payload, r.json())
    assert client.get(f"/api/v1/studio/series/{sid}", headers=h).json()["genres"] == [
        "romance", "revenge"]


def test_cast_lead_rules(world):
    rt, client, key, _ = world
    sid, _ = db_series(rt, key)
    h = org_headers(key)
    r = client.put(f"/api/v1/studio/series/{sid}/cast", headers=h, json={"cast": [
        {"name": "Mia Chen", "role": "Lena"}, {"name": "Leo Park", "role": "Adrian"}]})
    assert [(c["name"], c["lead"]) for c in r.json()["items"]] == [
        ("Mia Chen", True), ("Leo Park", False)]                 # no lead given: the first
    r = client.post(f"/api/v1/studio/series/{sid}/cast", headers=h,
                    json={"name": "Ana Lima", "role": "Sofia", "lead": True})
    assert r.status_code == 201
    assert [(c["name"], c["lead"]) for c in r.json()["items"]] == [
        ("Mia Chen", False), ("Leo Park", False), ("Ana Lima", True)]
    two = client.put(f"/api/v1/studio/series/{sid}/cast", headers=h, json={"cast": [
        {"name": "A", "lead": True}, {"name": "B", "lead": True}]})
    assert two.status_code == 422 and two.json()["code"] == "two_leads"
    leo = r.json()["items"][1]["id"]
    r = client.delete(f"/api/v1/studio/series/{sid}/cast/{leo}", headers=h)
    assert [c["name"] for c in r.json()["items"]] == ["Mia Chen", "Ana Lima"]
    me = new_viewer(client)
    cast = client.get(f"/api/v1/series/{sid}", headers=me).json()["cast"]
    assert [(c["name"], c["role"], c["lead"]) for c in cast] == [
        ("Mia Chen", "Lena", False), ("Ana Lima", "Sofia", True)]


def test_localized_text_and_fallback(world):
    rt, client, key, _ = world
    sid, _ = db_series(rt, key, title="Moonlit Alpha", synopsis="A wolf and her fate.")
    h = org_headers(key)
    r = client.put(f"/api/v1/studio/series/{sid}/localizations/es", headers=h,
                   json={"title": "Alfa bajo la luna", "synopsis": "Una loba y su destino."})
    assert r.status_code == 201
    assert client.put(f"/api/v1/studio/series/{sid}/localizations/ES", headers=h,
                      json={"title": "Alfa bajo la luna"}).status_code == 200   # replaced
    assert client.put(f"/api/v1/studio/series/{sid}/localizations/ja", headers=h,
                      json={"title": "月夜のアルファ", "synopsis": "狼と運命。"}).status_code == 201
    assert client.put(f"/api/v1/studio/series/{sid}/localizations/fr", headers=h,
                      json={"title": "x"}).status_code == 422
    assert client.put(f"/api/v1/studio/series/{sid}/localizations/en", headers=h,
                      json={"title": "x"}).json()["code"] == "original_language"
    langs = [i["lang"] for i in client.get(f"/api/v1/studio/series/{sid}/localizations",
                                           headers=h).json()["items"]]
    assert langs == ["es", "ja"]

    me = new_viewer(client)

    def detail(**kw: object) -> dict:
        headers = {**me, **kw.pop("headers", {})}  # type: ignore[dict-item]
        r = client.get(f"/api/v1/series/{sid}", headers=headers, params=kw)
        assert r.status_code == 200, r.text
        return r.json()

    es = detail(lang="es")
    # A translation without a synopsis falls back to the original synopsis.
    assert (es["title"], es["synopsis"], es["lang"]) == (
        "Alfa bajo la luna", "A wolf and her fate.", "es")
    assert es["original_title"] == "Moonlit Alpha" and es["language"] == "en"
    ja = detail(lang="ja")
    assert (ja["title"], ja["synopsis"], ja["lang"]) == ("月夜のアルファ", "狼と運命。", "ja")
    ko = detail(lang="ko")                                   # no Korean: the original
    assert (ko["title"], ko["lang"]) == ("Moonlit Alpha", "en")
    assert detail(headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})["lang"] == "es"
    assert detail(headers={"Accept-Language": "fr-FR,ja;q=0.8"})["lang"] == "ja"
    assert detail(headers={"Accept-Language": "es"}, lang="ja")["lang"] == "ja"  # ?lang wins
    assert client.get(f"/api/v1/series/{sid}", headers=me,
                      params={"lang": "xx-YY"}).status_code == 422
    listed = client.get("/api/v1/series", headers=me, params={"lang": "es"}).json()["items"]
    assert listed[0]["title"] == "Alfa bajo la luna"
    # A viewer created with a locale gets it without asking.
    r = client.post("/api/v1/viewers", json={"locale": "ja-JP"})
    ja_viewer = {"Authorization": f"Bearer {r.json()['token']}"}
    assert client.get(f"/api/v1/series/{sid}", headers=ja_viewer).json()["lang"] == "ja"
    assert client.delete(f"/api/v1/studio/series/{sid}/localizations/ja",
                         headers=h).status_code == 204
    assert client.get(f"/api/v1/series/{sid}", headers=ja_viewer).json()["lang"] == "en"


def test_locales_endpoint(world):
    _rt, client, *_ = world
    r = client.get("/api/v1/locales", headers={"Accept-Language": "pt-PT,pt;q=0.9"})
    assert r.status_code == 200
    body = r.json()
    assert [i["code"] for i in body["items"]] == ["en", "es", "pt-BR", "id", "th", "ko", "ja"]
    assert body["default"] == "en" and body["detected"] == "pt-BR"
    assert client.get("/api/v1/locales", headers={"Accept-Language": "in-ID"}).json()[
        "detected"] == "id"
    assert client.get("/api/v1/locales").json()["detected"] == "en"


def test_series_page_fields(world):
    rt, client, key, _ = world
    sid, eps = db_series(rt, key, episodes=4, free_episodes=2, price_coins=60, duration_s=90.0,
                         genres=["revenge"], tags=["ceo"])
    me = new_viewer(client)
    d = client.get(f"/api/v1/series/{sid}", headers=me).json()
    for field in ("id", "title", "synopsis", "poster_url", "free_episodes", "price_coins",
                  "episodes", "cost_to_finish_coins"):
        assert field in d
    assert d["total_runtime_s"] == 360.0 and d["episode_count"] == 4
    assert d["cost_to_finish_coins"] == 120
    assert d["genres"] == [{"slug": "revenge", "name": "Revenge"}] and d["tags"] == ["ceo"]
    assert d["cover_url"] == d["poster_url"] and d["cover_url"].endswith("poster.jpg")
    assert d["in_my_list"] is False and d["resume"] is None
    assert [e["unlocked"] for e in d["episodes"]] == [True, True, False, False]
    assert all(e["subtitles"] == [] and e["products"] == [] for e in d["episodes"])
    assert client.put(f"/api/v1/progress/{eps[1]}", headers=me,
                      json={"position_s": 33.0}).status_code == 200
    assert client.put(f"/api/v1/my-list/{sid}", headers=me).status_code == 201
    d = client.get(f"/api/v1/series/{sid}", headers=me).json()
    assert d["resume"] == {"episode_id": eps[1], "number": 2, "position_s": 33.0}
    assert d["in_my_list"] is True
    assert d["episodes"][1]["position_s"] == 33.0 and d["episodes"][1]["watched"] is False
    other = new_viewer(client)
    d = client.get(f"/api/v1/series/{sid}", headers=other).json()
    assert d["resume"] is None and d["in_my_list"] is False


def test_cover_upload(world):
    rt, client, key, other_key = world
    sid, _ = db_series(rt, key)
    h = org_headers(key)
    r = client.put(f"/api/v1/studio/series/{sid}/cover", headers=h,
                   files={"file": ("cover.png", _png(1200, 2400), "image/png")})
    assert r.status_code == 200, r.text
    cover = r.json()["cover_url"]
    assert cover.startswith("/media/img/covers/") and cover.endswith(".jpg")
    served = client.get(cover)
    assert served.status_code == 200
    with Image.open(io.BytesIO(served.content)) as img:
        assert img.format == "JPEG" and img.size == (960, 1920)   # fitted into 1080x1920
    me = new_viewer(client)
    d = client.get(f"/api/v1/series/{sid}", headers=me).json()
    assert d["cover_url"] == cover and d["poster_url"] != cover
    for name, data in (("x.png", b"not an image"), ("x.png", _png(10, 10)), ("x.gif", b"")):
        bad = client.put(f"/api/v1/studio/series/{sid}/cover", headers=h,
                         files={"file": (name, data, "image/png")})
        assert bad.status_code == 422 and bad.json()["code"] == "bad_image", bad.text
    stranger = client.put(f"/api/v1/studio/series/{sid}/cover", headers=org_headers(other_key),
                          files={"file": ("c.png", _png(), "image/png")})
    assert stranger.status_code == 404
    r = client.delete(f"/api/v1/studio/series/{sid}/cover", headers=h)
    assert r.json()["cover_url"] is None
    d = client.get(f"/api/v1/series/{sid}", headers=me).json()
    assert d["cover_url"] == d["poster_url"]


def test_another_organisation_cannot_touch_the_series(world):
    rt, client, key, other_key = world
    sid, _ = db_series(rt, key, title="Mine")
    them = org_headers(other_key)
    calls = [
        ("patch", f"/api/v1/studio/series/{sid}", {"json": {"title": "Theirs"}}),
        ("put", f"/api/v1/studio/series/{sid}/localizations/es", {"json": {"title": "Suyo"}}),
        ("get", f"/api/v1/studio/series/{sid}/localizations", {}),
        ("put", f"/api/v1/studio/series/{sid}/cast", {"json": {"cast": [{"name": "X"}]}}),
        ("post", f"/api/v1/studio/series/{sid}/cast", {"json": {"name": "X"}}),
        ("get", f"/api/v1/studio/series/{sid}/cast", {}),
        ("delete", f"/api/v1/studio/series/{sid}/cover", {}),
    ]
    for method, url, kw in calls:
        r = getattr(client, method)(url, headers=them, **kw)
        assert r.status_code == 404, (method, url, r.text)
    me = new_viewer(client)
    d = client.get(f"/api/v1/series/{sid}", headers=me).json()
    assert d["title"] == "Mine" and d["cast"] == []
    assert client.get(f"/api/v1/series/{sid}", headers=me, params={"lang": "es"}).json()[
        "title"] == "Mine"
