"""Shoppable products on each database: studio CRUD and placement rules, the cards viewers get,
and the click redirect (recorded, attributed when signed, never an open redirect)."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from tests.helpers import make_org, new_viewer, org_headers, viewer_id
from tests.world import db_series

from cliffhanger.app import create_app
from cliffhanger.catalog.models import ProductClick

SHOP = "https://shop.example.com/p/lipstick-42?ref=cliff"


@pytest.fixture
def world(rt):
    _org_id, key = make_org(rt)
    _other, other_key = make_org(rt, "Other")
    sid, eps = db_series(rt, key, episodes=2, duration_s=90.0)
    with TestClient(create_app(runtime=rt, embedded_workers=False)) as client:
        yield rt, client, key, other_key, sid, eps


def _product(client: TestClient, key: str, sid: str, **over: object) -> dict:
    body = {"title": "Velvet Lipstick", "price_text": "$19.90", "link": SHOP,
            "image_url": "https://cdn.example.com/lipstick.jpg", **over}
    r = client.post(f"/api/v1/studio/series/{sid}/products", headers=org_headers(key), json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_product_and_placement_validation(world):
    _rt, client, key, _other, sid, eps = world
    h = org_headers(key)
    for link in ("http://shop.example.com/x", "javascript:alert(1)", "//evil.example.com/",
                 "https://user:pw@shop.example.com/", "https:///nohost", "shop.example.com",
                 "https://shop.example.com/a b"):
        r = client.post(f"/api/v1/studio/series/{sid}/products", headers=h,
                        json={"title": "X", "price_text": "$1", "link": link})
        assert r.status_code == 422, (link, r.text)
        assert r.json()["field"] == "link"
    bad_image = client.post(f"/api/v1/studio/series/{sid}/products", headers=h, json={
        "title": "X", "price_text": "$1", "link": SHOP, "image_url": "http://cdn.example.com/a"})
    assert bad_image.status_code == 422
    assert client.post(f"/api/v1/studio/series/{sid}/products", headers=h, json={
        "title": " ", "price_text": "$1", "link": SHOP}).status_code == 422

    product = _product(client, key, sid)
    url = f"/api/v1/studio/products/{product['id']}/placements"
    bad = [
        {"episode_id": eps[0], "start_s": 10, "end_s": 10},
        {"episode_id": eps[0], "start_s": 20, "end_s": 10},
        {"episode_id": eps[0], "start_s": 80, "end_s": 95},      # past the 90 s episode
        {"episode_id": eps[0], "start_s": 90, "end_s": 91},
        {"episode_id": eps[0], "start_s": -1, "end_s": 5},
        {"episode_id": eps[0], "start_s": 10, "end_s": 10.5},    # shorter than a second
    ]
    for body in bad:
        r = client.post(url, headers=h, json=body)
        assert r.status_code == 422, (body, r.text)
    r = client.post(url, headers=h, json={"episode_id": eps[0], "start_s": 12.5, "end_s": 30})
    assert r.status_code == 201, r.text
    assert [(p["episode_id"], p["start_s"], p["end_s"]) for p in r.json()["placements"]] == [
        (eps[0], 12.5, 30.0)]
    # An episode of another series of the same studio is refused.
    _sid2, eps2 = db_series(world[0], key, episodes=1)
    r = client.post(url, headers=h, json={"episode_id": eps2[0], "start_s": 1, "end_s": 5})
    assert r.status_code == 422 and r.json()["code"] == "other_series"


def test_viewer_cards_and_click_redirect(world):
    rt, client, key, _other, sid, eps = world
    h = org_headers(key)
    product = _product(client, key, sid)
    placed = client.post(f"/api/v1/studio/products/{product['id']}/placements", headers=h,
                         json={"episode_id": eps[1], "start_s": 40, "end_s": 55}).json()
    placement_id = placed["placements"][0]["id"]
    me = new_viewer(client)
    cards = client.get(f"/api/v1/episodes/{eps[1]}/products", headers=me).json()["items"]
    assert len(cards) == 1
    card = cards[0]
    assert card["id"] == placement_id and card["product_id"] == product["id"]
    assert (card["title"], card["price_text"], card["start_s"], card["end_s"]) == (
        "Velvet Lipstick", "$19.90", 40.0, 55.0)
    assert card["image_url"] == "https://cdn.example.com/lipstick.jpg"
    assert card["click_url"].startswith(f"/r/p/{placement_id}?v=")
    assert client.get(f"/api/v1/episodes/{eps[0]}/products", headers=me).json()["items"] == []
    detail = client.get(f"/api/v1/series/{sid}", headers=me).json()
    in_detail = detail["episodes"][1]["products"]
    # The same cards (the click URL's signed reference carries its own expiry second).
    assert [{**c, "click_url": None} for c in in_detail] == [
        {**c, "click_url": None} for c in cards]
    assert in_detail[0]["click_url"].startswith(f"/r/p/{placement_id}?v=")
    assert detail["episodes"][0]["products"] == []

    r = client.get(card["click_url"], follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == SHOP
    assert r.headers["cache-control"] == "no-store"
    # Extra parameters never change where the redirect goes.
    sneaky = card["click_url"] + "&next=https://evil.example.com&url=https://evil.example.com"
    r = client.get(sneaky, follow_redirects=False)
    assert r.headers["location"] == SHOP
    # A tampered or missing viewer reference still redirects, but attributes nothing.
    ref = parse_qs(urlsplit(card["click_url"]).query)["v"][0]
    assert client.get(f"/r/p/{placement_id}?v={ref[:-4]}AAAA",
                      follow_redirects=False).headers["location"] == SHOP
    assert client.get(f"/r/p/{placement_id}", follow_redirects=False).status_code == 302
    assert client.get("/r/p/" + "0" * 32, follow_redirects=False).status_code == 404
    with rt.db.session() as session:
        clicks = list(session.scalars(select(ProductClick).order_by(ProductClick.created_at)))
    assert len(clicks) == 4                                   # every click counts
    assert [c.viewer_id for c in clicks] == [viewer_id(client, me)] * 2 + [None, None]
    listed = client.get(f"/api/v1/studio/series/{sid}/products", headers=h).json()["items"]
    assert listed[0]["clicks"] == 4 and listed[0]["placements"][0]["clicks"] == 4


def test_product_image_upload_patch_and_delete(world):
    _rt, client, key, _other, sid, eps = world
    h = org_headers(key)
    product = _product(client, key, sid, image_url=None)
    png = io.BytesIO()
    Image.new("RGB", (800, 800), (10, 200, 10)).save(png, "PNG")
    r = client.put(f"/api/v1/studio/products/{product['id']}/image", headers=h,
                   files={"file": ("p.png", png.getvalue(), "image/png")})
    assert r.status_code == 200, r.text
    image = r.json()["image_url"]
    assert image.startswith("/media/img/products/")
    with Image.open(io.BytesIO(client.get(image).content)) as img:
        assert img.size == (600, 600)
    r = client.patch(f"/api/v1/studio/products/{product['id']}", headers=h,
                     json={"price_text": "$15.00", "link": "https://shop.example.com/sale"})
    assert r.json()["price_text"] == "$15.00" and r.json()["image_url"] == image
    assert client.patch(f"/api/v1/studio/products/{product['id']}", headers=h,
                        json={"link": "http://x.example.com"}).status_code == 422
    placed = client.post(f"/api/v1/studio/products/{product['id']}/placements", headers=h,
                         json={"episode_id": eps[0], "start_s": 1, "end_s": 5}).json()
    pid = placed["placements"][0]["id"]
    assert client.get(f"/r/p/{pid}", follow_redirects=False).headers["location"] == (
        "https://shop.example.com/sale")
    assert client.delete(f"/api/v1/studio/placements/{pid}", headers=h).status_code == 204
    assert client.get(f"/r/p/{pid}", follow_redirects=False).status_code == 404
    assert client.delete(f"/api/v1/studio/products/{product['id']}", headers=h).status_code == 204
    assert client.get(f"/api/v1/studio/series/{sid}/products", headers=h).json()["items"] == []


def test_another_organisation_cannot_attach_or_edit_products(world):
    rt, client, key, other_key, sid, eps = world
    them = org_headers(other_key)
    _their_sid, _their_eps = db_series(rt, other_key, episodes=1)
    product = _product(client, key, sid)
    r = client.post(f"/api/v1/studio/series/{sid}/products", headers=them,
                    json={"title": "X", "price_text": "$1", "link": SHOP})
    assert r.status_code == 404
    pid = product["id"]
    assert client.patch(f"/api/v1/studio/products/{pid}", headers=them,
                        json={"link": "https://evil.example.com"}).status_code == 404
    assert client.post(f"/api/v1/studio/products/{pid}/placements", headers=them,
                       json={"episode_id": eps[0], "start_s": 1, "end_s": 5}).status_code == 404
    # Their own product cannot be placed on our episode either.
    theirs = _product(client, other_key, _their_sid)
    r = client.post(f"/api/v1/studio/products/{theirs['id']}/placements", headers=them,
                    json={"episode_id": eps[0], "start_s": 1, "end_s": 5})
    assert r.status_code == 404
    assert client.delete(f"/api/v1/studio/products/{pid}", headers=them).status_code == 404
    assert client.get(f"/api/v1/studio/series/{sid}/products", headers=them).status_code == 404
    mine = client.get(f"/api/v1/studio/series/{sid}/products", headers=org_headers(key)).json()
    assert mine["items"][0]["link"] == SHOP
