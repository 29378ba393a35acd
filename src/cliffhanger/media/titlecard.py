"""Title cards for generated masters, rendered with Pillow.

ffmpeg's drawtext needs a font file and a fresh machine may have none; Pillow's bundled default
font (``ImageFont.load_default(size=...)``) needs nothing beyond the wheel.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

_BAND_HEIGHT_SHARE = 0.16  # of the picture height
_TEXT_HEIGHT_SHARE = 0.30  # of the band height
_MARGIN_SHARE = 0.06  # of the picture width, each side
_BAND_RGBA = (0, 0, 0, 170)
_TEXT_RGB = (255, 255, 255)
# Pillow's bundled font covers basic Latin only; typographic punctuation would draw as boxes.
_ASCII_PUNCTUATION = str.maketrans(
    {
        "\u2014": "-",
        "\u2013": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
    }
)


def render_title_card_png(title: str, width: int) -> bytes:
    """PNG bytes of a translucent band ``width`` wide with ``title`` centred.

    The band is only as tall as it needs to be, so the PNG stays a few kilobytes and can travel
    inside an ffmpeg argument as a ``data:`` URI (no temporary file, the builder stays pure).
    Long titles shrink until they fit between the margins. Scripts beyond basic Latin need a real
    font; generated masters are for demos, tests and benchmarks, so the bundled one is enough.
    """
    title = title.translate(_ASCII_PUNCTUATION)
    band_h = max(24, round(width / (9 / 16) * _BAND_HEIGHT_SHARE))
    margin = round(width * _MARGIN_SHARE)
    size = max(8, round(band_h * _TEXT_HEIGHT_SHARE))
    font = ImageFont.load_default(size=size)
    while size > 8 and font.getlength(title) > width - 2 * margin:
        size -= 2
        font = ImageFont.load_default(size=size)

    card = Image.new("RGBA", (width, band_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, width - 1, band_h - 1), fill=_BAND_RGBA)
    draw.text((width / 2, band_h / 2), title, font=font, fill=_TEXT_RGB, anchor="mm")
    buffer = io.BytesIO()
    card.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
