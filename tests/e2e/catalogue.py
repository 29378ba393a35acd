"""A small catalogue around the demo season for the discovery tests: genres, tags, cast, covers,
localized titles and a second, really packaged series, all written through the studio API."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from PIL import Image, ImageDraw, ImageFont
from tests.e2e.season import DemoServer
from tests.helpers import make_master, org_headers, publish_series

from cliffhanger.kit.runtime import Runtime

DEMO_GENRES = ["thriller", "mystery"]
DEMO_TAGS = ["time loop", "sisters", "night shift"]
DEMO_CAST = [
    {"name": "Mara Quinn", "role": "Jess, the paramedic", "lead": True},
    {"name": "Theo Vance", "role": "Detective Ortiz"},
    {"name": "Lina Park", "role": "Abby, the sister"},
]
DEMO_TITLES = {
    "es": ("El último buzón de voz", "Una paramédica del turno de noche encuentra un mensaje de "
           "su hermana desaparecida, grabado mañana."),
    "ja": ("最後の留守電", "夜勤の救急隊員が、行方不明の妹から届いた「明日」の留守電を見つける。"),
}

SECOND_TITLE = "Contract Bride of the Ice King"
SECOND_SYNOPSIS = (
    "To save her family's bakery, Elena signs a one-year marriage contract with the coldest "
    "billionaire in the city. Clause seven says: never fall in love."
)
SECOND_GENRES = ["romance", "billionaire"]
SECOND_TAGS = ["contract marriage", "enemies to lovers"]
SECOND_CAST = [
    {"name": "Ava Sterling", "role": "Elena Cruz", "lead": True},
    {"name": "Julian Hale", "role": "Adrian Frost"},
]
SECOND_EPISODES = 3
SECOND_FREE = 2
SECOND_PRICE = 45


@dataclass(frozen=True)
class Catalogue:
    demo: DemoServer
    second_id: str
    second_episode_ids: list[str]
    org_key: str

    @property
    def url(self) -> str:
        return self.demo.url

    def series_url(self, series_id: str | None = None) -> str:
        return f"{self.demo.url}/series/{series_id or self.demo.series_id}"


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
                 "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"):
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def cover_image(title: str, top: tuple[int, int, int], bottom: tuple[int, int, int]) -> bytes:
    """A 540x960 poster: a vertical gradient, a soft moon, light beams and the title; PNG bytes."""
    width, height = 540, 960
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        f = y / (height - 1)
        draw.line([(0, y), (width, y)],
                  fill=tuple(int(a + (b - a) * f) for a, b in zip(top, bottom, strict=True)))
    light = Image.new("L", (width, height), 0)
    shapes = ImageDraw.Draw(light)
    shapes.ellipse([300, 330, 520, 550], fill=70)
    for i, x in enumerate((-160, 40, 240)):
        shapes.polygon([(x, height), (x + 120, height), (x + 520, 360), (x + 470, 360)],
                       fill=22 + 8 * i)
    image.paste(Image.new("RGB", (width, height), (255, 236, 220)), mask=light)
    font = _font(50)
    lines: list[str] = []
    line = ""
    for word in title.split():
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) > width - 90 and line:
            lines.append(line)
            line = word
        else:
            line = trial
    lines.append(line)
    y = 150
    for text in lines:
        w = draw.textlength(text, font=font)
        draw.text(((width - w) / 2, y), text, font=font, fill=(255, 255, 255))
        y += 62
    draw.line([(width / 2 - 40, y + 14), (width / 2 + 40, y + 14)], fill=(255, 45, 85), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _ok(response: httpx.Response) -> dict:
    assert response.status_code in (200, 201), f"{response.request.url}: {response.text}"
    return response.json()


def seed_catalogue(rt: Runtime, demo: DemoServer, scratch: Path) -> Catalogue:
    key = (rt.settings.resolved_data_dir / "demo-api-key.txt").read_text(encoding="ascii").strip()
    master = make_master(scratch, seconds=10.5, title="Contract Bride")
    second_id, second_ids = publish_series(rt, key, master, episodes=SECOND_EPISODES,
                                           free_episodes=SECOND_FREE, price_coins=SECOND_PRICE)
    now = datetime.now(UTC)
    with httpx.Client(base_url=demo.url + "/api/v1/studio", headers=org_headers(key),
                      timeout=30) as studio:
        _ok(studio.patch(f"/series/{demo.series_id}", json={
            "genres": DEMO_GENRES, "tags": DEMO_TAGS,
            "published_at": (now - timedelta(days=20)).isoformat(),
        }))
        _ok(studio.put(f"/series/{demo.series_id}/cast", json={"cast": DEMO_CAST}))
        for lang, (title, synopsis) in DEMO_TITLES.items():
            _ok(studio.put(f"/series/{demo.series_id}/localizations/{lang}",
                           json={"title": title, "synopsis": synopsis}))
        _ok(studio.put(f"/series/{demo.series_id}/cover", files={
            "file": ("cover.png", cover_image("The Last Voicemail", (18, 32, 74), (6, 6, 14)),
                     "image/png"),
        }))

        _ok(studio.patch(f"/series/{second_id}", json={
            "title": SECOND_TITLE, "synopsis": SECOND_SYNOPSIS, "genres": SECOND_GENRES,
            "tags": SECOND_TAGS, "published_at": (now - timedelta(days=2)).isoformat(),
        }))
        _ok(studio.put(f"/series/{second_id}/cast", json={"cast": SECOND_CAST}))
        _ok(studio.put(f"/series/{second_id}/cover", files={
            "file": ("cover.png", cover_image(SECOND_TITLE, (120, 20, 60), (14, 6, 16)),
                     "image/png"),
        }))
    return Catalogue(demo, second_id, second_ids, key)


# ---- browser helpers ----------------------------------------------------------------------------

ACTIVE_SLIDE = '.slide[aria-current="true"]'


def wait_playing(page, number: int) -> None:
    """Episode `number` is the active slide of the player and its video time advances."""
    page.wait_for_function(
        """(n) => { const s = document.querySelector('.slide[aria-current="true"]');
            const v = s && s.querySelector('video');
            return s && s.dataset.episodeNumber === String(n)
                && v && !v.paused && v.currentTime > 0.2; }""",
        arg=number,
    )


def viewer_call(page, method: str, path: str, body: dict | None = None) -> int:
    """An API call as the page's anonymous viewer (its token from localStorage); the status."""
    return page.evaluate(
        """async ([method, path, body]) => {
            const token = JSON.parse(localStorage.getItem('cliffhanger.viewer')).token;
            const headers = { Authorization: `Bearer ${token}` };
            if (body) headers['Content-Type'] = 'application/json';
            const r = await fetch('/api/v1' + path, { method, headers,
                                   body: body ? JSON.stringify(body) : undefined });
            return r.status;
        }""",
        [method, path, body],
    )


def contrast_problems(page, selectors: list[str], minimum: float = 4.5) -> list[str]:
    """Text under `selectors` whose colour against the nearest solid background is below
    `minimum` (WCAG relative luminance; translucent layers blended over what is below)."""
    return page.evaluate(
        """([selectors, minimum]) => {
            const parse = (c) => { const m = c.match(/[\\d.]+/g).map(Number);
                                   return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
            const over = (top, bottom) =>
                [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
            const lum = (c) => { const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255;
                return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
            const background = (el) => { const layers = [];
                for (let e = el; e; e = e.parentElement) {
                    const bg = parse(getComputedStyle(e).backgroundColor);
                    if (bg[3] > 0) layers.push(bg);
                    if (bg[3] >= 1) break; }
                let color = [0, 0, 0, 1];
                for (const layer of layers.reverse()) color = over(layer, color);
                return color; };
            const problems = [];
            for (const sel of selectors) for (const el of document.querySelectorAll(sel)) {
                if (!el.textContent.trim() || !el.getClientRects().length) continue;
                const bg = background(el);
                const fg = over(parse(getComputedStyle(el).color), bg);
                const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
                const ratio = (a + 0.05) / (b + 0.05);
                const text = el.textContent.trim().slice(0, 30);
                if (ratio < minimum) problems.push(`${sel} "${text}": ${ratio.toFixed(2)}`);
            }
            return problems;
        }""",
        [selectors, minimum],
    )
