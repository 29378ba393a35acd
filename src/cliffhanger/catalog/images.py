"""Still images uploaded by studios (series covers, product pictures).

An upload is decoded with Pillow and re-encoded as a baseline JPEG within a size box before it
is stored, so what we publish is always a plain image we produced (no metadata, no polyglot
files, no giant dimensions), stored under its content hash in `img/`.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError

from cliffhanger.kit.errors import Invalid
from cliffhanger.kit.storage import BlobStore

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
MIN_IMAGE_SIDE = 64
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
JPEG_QUALITY = 85
COVER_BOX = (1080, 1920)
PRODUCT_BOX = (600, 600)
MAX_URL_CHARS = 1000


def store_image(store: BlobStore, path: Path, *, kind: str, box: tuple[int, int]) -> str:
    """Validate the image at `path`, re-encode it and store it; returns the storage key."""
    size = path.stat().st_size
    if size == 0:
        raise Invalid("The image file is empty.", field="file", code="bad_image")
    if size > MAX_IMAGE_BYTES:
        raise Invalid(f"The image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB.",
                      field="file", code="bad_image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as probe:
                fmt = probe.format
                width, height = probe.size
                if fmt not in ACCEPTED_FORMATS:
                    raise Invalid("The image must be a JPEG, PNG or WebP file.", field="file",
                                  code="bad_image")
                if width * height > MAX_IMAGE_PIXELS:
                    raise Invalid("The image has too many pixels.", field="file",
                                  code="bad_image")
                if min(width, height) < MIN_IMAGE_SIDE:
                    raise Invalid(f"The image must be at least {MIN_IMAGE_SIDE} px on each side.",
                                  field="file", code="bad_image")
                probe.load()
                image = probe.convert("RGB")
    except Invalid:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise Invalid("The file is not a readable image.", field="file", code="bad_image") from exc
    image.thumbnail(box, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    data = out.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    key = f"img/{kind}/{digest[:2]}/{digest}.jpg"
    if not store.exists(key):
        store.put_bytes(key, data, "image/jpeg")
    return key


def check_https_url(value: str, field: str, max_len: int = MAX_URL_CHARS) -> str:
    """An absolute https URL with a host and no credentials or whitespace."""
    url = (value or "").strip()
    if not url:
        raise Invalid(f"{field} must not be empty.", field=field)
    if len(url) > max_len:
        raise Invalid(f"{field} must be at most {max_len} characters.", field=field)
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise Invalid(f"{field} must not contain spaces or control characters.", field=field)
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError as exc:
        raise Invalid(f"{field} is not a valid URL.", field=field) from exc
    if parts.scheme != "https" or not host:
        raise Invalid(f"{field} must be an https:// URL.", field=field, code="not_https")
    if parts.username is not None or parts.password is not None:
        raise Invalid(f"{field} must not contain a user name or password.", field=field)
    return url
