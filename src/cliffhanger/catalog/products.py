"""Shoppable products: studio CRUD, placements on episodes, viewer cards and click tracking.

A click goes through `/r/p/{placement_id}`, which records it and redirects to the product's
stored link, never to anything taken from the request (no open redirect). The click URL
carries a signed viewer reference so the click can be attributed; an invalid or expired
reference still redirects, it just records no viewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cliffhanger.accounts.models import Organisation
from cliffhanger.catalog import images
from cliffhanger.catalog.models import (
    Episode,
    Product,
    ProductClick,
    ProductPlacement,
    Series,
)
from cliffhanger.catalog.service import episode_for_org, series_for_org
from cliffhanger.kit.config import Settings
from cliffhanger.kit.errors import Invalid, NotFound
from cliffhanger.kit.security import BadToken, sign, verify
from cliffhanger.kit.storage import BlobStore

MAX_PRODUCTS_PER_SERIES = 200
MAX_PLACEMENTS_PER_EPISODE = 20
MIN_PLACEMENT_S = 1.0
MAX_TITLE_CHARS = 120
MAX_PRICE_TEXT_CHARS = 40
MAX_LINK_CHARS = 2000
CLICK_REF_PURPOSE = "product-click"
CLICK_REF_TTL_S = 30 * 86_400


def _text(value: str | None, field: str, max_len: int) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise Invalid(f"{field} must not be empty.", field=field)
    if len(value) > max_len:
        raise Invalid(f"{field} must be at most {max_len} characters.", field=field)
    return value


def product_for_org(session: Session, org: Organisation, product_id: str) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("No such product.")
    try:
        series_for_org(session, org, product.series_id)
    except NotFound:
        raise NotFound("No such product.") from None
    return product


def create_product(
    session: Session, org: Organisation, series_id: str, *, title: str, price_text: str,
    link: str, image_url: str | None = None,
) -> Product:
    series = series_for_org(session, org, series_id)
    count = session.scalar(select(func.count(Product.id)).where(Product.series_id == series.id))
    if (count or 0) >= MAX_PRODUCTS_PER_SERIES:
        raise Invalid(f"A series has at most {MAX_PRODUCTS_PER_SERIES} products.")
    product = Product(
        series_id=series.id, title=_text(title, "title", MAX_TITLE_CHARS),
        price_text=_text(price_text, "price_text", MAX_PRICE_TEXT_CHARS),
        link=images.check_https_url(link, "link", MAX_LINK_CHARS),
        image_url=images.check_https_url(image_url, "image_url") if image_url else None,
    )
    session.add(product)
    session.flush()
    return product


_UNSET = object()


def update_product(
    session: Session, org: Organisation, product_id: str, *, title: str | None = None,
    price_text: str | None = None, link: str | None = None,
    image_url: str | object | None = _UNSET,
) -> Product:
    product = product_for_org(session, org, product_id)
    if title is not None:
        product.title = _text(title, "title", MAX_TITLE_CHARS)
    if price_text is not None:
        product.price_text = _text(price_text, "price_text", MAX_PRICE_TEXT_CHARS)
    if link is not None:
        product.link = images.check_https_url(link, "link", MAX_LINK_CHARS)
    if image_url is not _UNSET:
        if image_url is None:
            product.image_url = None
        else:
            assert isinstance(image_url, str)
            product.image_url = images.check_https_url(image_url, "image_url")
            product.image_key = None
    session.flush()
    return product


def set_product_image(session: Session, store: BlobStore, org: Organisation, product_id: str,
                      path: Path) -> Product:
    product = product_for_org(session, org, product_id)
    product.image_key = images.store_image(store, path, kind="products", box=images.PRODUCT_BOX)
    product.image_url = None
    session.flush()
    return product


def delete_product(session: Session, org: Organisation, product_id: str) -> None:
    """Delete a product with its placements and their click records."""
    session.delete(product_for_org(session, org, product_id))
    session.flush()


def list_products(session: Session, org: Organisation, series_id: str) -> list[Product]:
    series = series_for_org(session, org, series_id)
    return list(
        session.scalars(
            select(Product).where(Product.series_id == series.id).order_by(Product.created_at)
        )
    )


def placements_of(session: Session, product_ids: list[str]) -> dict[str, list[ProductPlacement]]:
    out: dict[str, list[ProductPlacement]] = {pid: [] for pid in product_ids}
    if not product_ids:
        return out
    for row in session.scalars(
        select(ProductPlacement)
        .where(ProductPlacement.product_id.in_(product_ids))
        .order_by(ProductPlacement.start_s)
    ):
        out[row.product_id].append(row)
    return out


def click_counts(session: Session, placement_ids: list[str]) -> dict[str, int]:
    if not placement_ids:
        return {}
    rows = session.execute(
        select(ProductClick.placement_id, func.count(ProductClick.id))
        .where(ProductClick.placement_id.in_(placement_ids))
        .group_by(ProductClick.placement_id)
    )
    return {pid: int(n) for pid, n in rows}


def add_placement(session: Session, org: Organisation, product_id: str, *, episode_id: str,
                  start_s: float, end_s: float) -> ProductPlacement:
    product = product_for_org(session, org, product_id)
    episode = episode_for_org(session, org, episode_id)
    if episode.series_id != product.series_id:
        raise Invalid("The episode belongs to another series than the product.",
                      field="episode_id", code="other_series")
    start_s, end_s = float(start_s), float(end_s)
    if not 0 <= start_s < episode.duration_s:
        raise Invalid(
            f"start_s must be between 0 and the episode's duration ({episode.duration_s:.1f} s).",
            field="start_s",
        )
    if end_s <= start_s:
        raise Invalid("end_s must be after start_s.", field="end_s")
    if end_s > episode.duration_s + 0.001:
        raise Invalid(f"end_s must not pass the end of the episode ({episode.duration_s:.1f} s).",
                      field="end_s")
    if end_s - start_s < MIN_PLACEMENT_S:
        raise Invalid(f"A product card shows for at least {MIN_PLACEMENT_S:g} s.", field="end_s")
    count = session.scalar(
        select(func.count(ProductPlacement.id)).where(ProductPlacement.episode_id == episode.id)
    )
    if (count or 0) >= MAX_PLACEMENTS_PER_EPISODE:
        raise Invalid(f"An episode has at most {MAX_PLACEMENTS_PER_EPISODE} product placements.")
    placement = ProductPlacement(product_id=product.id, episode_id=episode.id,
                                 start_s=round(start_s, 3), end_s=round(end_s, 3))
    session.add(placement)
    session.flush()
    return placement


def delete_placement(session: Session, org: Organisation, placement_id: str) -> None:
    placement = session.get(ProductPlacement, placement_id)
    if placement is None:
        raise NotFound("No such placement.")
    try:
        product_for_org(session, org, placement.product_id)
    except NotFound:
        raise NotFound("No such placement.") from None
    session.delete(placement)
    session.flush()


# ----- viewer side ---------------------------------------------------------------------------


def image_url(settings: Settings, product: Product) -> str | None:
    if product.image_key:
        return f"{settings.media_base_url.rstrip('/')}/{product.image_key}"
    return product.image_url


def click_ref(settings: Settings, viewer_id: str) -> str:
    return sign(settings.signing_key, CLICK_REF_PURPOSE, {"v": viewer_id}, ttl_s=CLICK_REF_TTL_S)


def click_url(settings: Settings, placement_id: str, ref: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/r/p/{placement_id}?v={quote(ref)}"


@dataclass(frozen=True)
class ProductCard:
    id: str
    """The placement's id (what the click URL and `product_click` events refer to)."""
    product_id: str
    episode_id: str
    title: str
    image_url: str | None
    price_text: str
    start_s: float
    end_s: float
    click_url: str


def cards_for_episodes(session: Session, settings: Settings, viewer_id: str,
                       episode_ids: list[str]) -> dict[str, list[ProductCard]]:
    out: dict[str, list[ProductCard]] = {eid: [] for eid in episode_ids}
    if not episode_ids:
        return out
    ref = click_ref(settings, viewer_id)
    rows = session.execute(
        select(ProductPlacement, Product)
        .join(Product, Product.id == ProductPlacement.product_id)
        .where(ProductPlacement.episode_id.in_(episode_ids))
        .order_by(ProductPlacement.episode_id, ProductPlacement.start_s, ProductPlacement.id)
    )
    for placement, product in rows:
        out[placement.episode_id].append(
            ProductCard(
                id=placement.id, product_id=product.id, episode_id=placement.episode_id,
                title=product.title, image_url=image_url(settings, product),
                price_text=product.price_text, start_s=placement.start_s, end_s=placement.end_s,
                click_url=click_url(settings, placement.id, ref),
            )
        )
    return out


def record_click(session: Session, settings: Settings, placement_id: str,
                 ref: str | None) -> str:
    """Record one click and return the stored link to redirect to."""
    placement = session.get(ProductPlacement, placement_id)
    if placement is None:
        raise NotFound("No such product.")
    product = session.get(Product, placement.product_id)
    assert product is not None
    viewer_id: str | None = None
    if ref:
        try:
            viewer_id = str(verify(settings.signing_key, CLICK_REF_PURPOSE, ref)["v"])
        except (BadToken, KeyError):
            viewer_id = None
    if viewer_id is not None:
        from cliffhanger.accounts.models import Viewer

        if session.get(Viewer, viewer_id) is None:
            viewer_id = None
    session.add(ProductClick(placement_id=placement.id, product_id=product.id,
                             viewer_id=viewer_id))
    session.flush()
    return product.link


def series_of_episode(session: Session, episode_id: str) -> tuple[Series, Episode]:
    episode = session.get(Episode, episode_id)
    if episode is None:
        raise NotFound("No such episode.")
    series = session.get(Series, episode.series_id)
    assert series is not None
    return series, episode
