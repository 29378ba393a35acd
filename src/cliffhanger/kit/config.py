"""Settings: every knob of a deployment, read from `CLIFFHANGER_*` environment variables.

With no variables at all the embedded mode runs: SQLite database, Huey on SQLite with consumer
threads inside `cliffhanger serve`, media in a local folder, all under `CLIFFHANGER_DATA_DIR`.
"""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLIFFHANGER_", extra="ignore")

    data_dir: Path = Path("./cliffhanger-data")
    database_url: str | None = None
    """SQLAlchemy URL. Default: `sqlite:///<data_dir>/cliffhanger.db`."""
    queue_url: str | None = None
    """`redis://host:port/db` for distributed workers. Default: Huey on `<data_dir>/queue.db`."""
    queue_name: str = Field(default="cliffhanger", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    """Name of the Huey queue; deployments sharing one Redis use different names."""
    storage_url: str | None = None
    """`s3://bucket/prefix` for object storage. Default: the folder `<data_dir>/media`."""
    s3_endpoint_url: str | None = None
    secret_key: str | None = None
    """Signs viewer and playback tokens. Default: a random key kept in `<data_dir>/secret.key`."""
    public_base_url: str = ""
    """Absolute origin for links sent outside the app (empty: same-origin relative URLs)."""
    media_base_url: str = "/media"
    """Where published media files are served from (a CDN origin in scale-out)."""

    welcome_coins: int = Field(default=0, ge=0)
    welcome_coins_expire_days: int = Field(default=30, ge=1)
    playback_token_ttl_s: int = Field(default=900, ge=30, le=86_400)
    max_upload_bytes: int = Field(default=4 * 1024**3, ge=1024)
    max_body_bytes: int = Field(default=512 * 1024, ge=1024)
    """Largest request body other than a multipart upload (JSON API calls, webhooks); a larger
    one is refused with 413 before it is parsed. 100 watch events with full props fit easily."""
    queue_workers: int = Field(default=2, ge=0, le=64)
    """Consumer threads inside `cliffhanger serve` in embedded mode (0: no in-process consumer)."""
    job_stale_after_s: int = Field(default=120, ge=1)
    """A processing job whose heartbeat is older than this is considered dead and may be retried."""
    ffmpeg_timeout_s: int = Field(default=3600, ge=10)

    # ----- money (commerce); see docs/money.md ------------------------------------------------
    ad_min_watch_s: int = Field(default=15, ge=0, le=600)
    """A rewarded ad unlocks only after this long, measured on the server from session start."""
    ad_daily_cap: int = Field(default=5, ge=0, le=1000)
    """Ad unlocks per viewer per UTC day."""
    ad_session_ttl_s: int = Field(default=3600, ge=60)
    admob_keys_url: str = "https://www.gstatic.com/admob/reward/verifier-keys.json"
    """AdMob's public keys for server-side verification callbacks (rotated by Google)."""
    spend_cap_coins_day: int = Field(default=0, ge=0)
    """Operator cap on coins a viewer may spend on unlocks per UTC day (0: no cap)."""
    spend_cap_coins_month: int = Field(default=0, ge=0)
    purchase_cap_day: dict[str, int] = Field(default_factory=dict)
    """Operator cap on purchases per viewer per UTC day, in minor units per currency,
    e.g. `{"USD": 5000, "BEANS": 4000}` (JSON in the environment)."""
    purchase_cap_month: dict[str, int] = Field(default_factory=dict)
    subscription_grace_hours: int = Field(default=72, ge=0, le=24 * 30)
    """Access kept after a failed renewal while the provider retries."""
    sandbox_payments: bool = True
    """Offer the built-in sandbox payment provider (test money, never revenue)."""
    sandbox_webhook_secret: str | None = None
    """Secret the sandbox provider signs its webhooks with. Default: derived from the secret key."""
    sandbox_webhook_url: str | None = None
    """Where the sandbox provider POSTs its webhooks. Default: delivered in-process to the same
    receiver the HTTP endpoint uses (signature checked all the same)."""
    tiktok_api_base: str = "https://open.tiktokapis.com"
    tiktok_client_key: str | None = None
    tiktok_client_secret: str | None = None
    tiktok_ad_unit_id: str | None = None
    """The rewarded-video ad unit of the Mini (TikTok developer portal): sent with every TikTok
    ad session and on the viewer page, where `TTMinis.createRewardedVideoAd` needs it."""
    admob_ad_unit_id: str | None = None
    """The AdMob rewarded ad unit, sent with AdMob ad sessions for a native wrapper."""
    tiktok_webhook_tolerance_s: int = Field(default=300, ge=1)
    tiktok_query_after_s: int = Field(default=10, ge=0)
    """A TikTok order still pending this long after creation is asked for at TikTok's query API."""
    rate_limits_enabled: bool = True
    rate_limit_url: str | None = None
    """`redis://…` or `memory://`. Default: the Redis queue when there is one, else memory."""
    rate_limit_login: str = "10/minute"
    rate_limit_order: str = "20/minute"
    rate_limit_unlock: str = "120/minute"
    rate_limit_ad: str = "60/minute"

    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir / 'cliffhanger.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    @property
    def queue_is_redis(self) -> bool:
        return bool(self.queue_url) and str(self.queue_url).startswith(("redis://", "rediss://"))

    @property
    def media_dir(self) -> Path:
        return self.resolved_data_dir / "media"

    @property
    def work_dir(self) -> Path:
        """Scratch space for jobs; never served."""
        return self.resolved_data_dir / "work"

    @cached_property
    def signing_key(self) -> bytes:
        if self.secret_key:
            return self.secret_key.encode()
        path = self.resolved_data_dir / "secret.key"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            # Create with 0600 atomically so two processes starting at once agree on one key.
            try:
                fd = path.open("x", encoding="ascii")
            except FileExistsError:
                pass
            else:
                with fd:
                    path.chmod(0o600)
                    fd.write(secrets.token_urlsafe(48))
        return path.read_text(encoding="ascii").strip().encode()

    def ensure_dirs(self) -> None:
        for d in (self.resolved_data_dir, self.media_dir, self.work_dir):
            d.mkdir(parents=True, exist_ok=True)


_settings: Settings | None = None


def get_settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = Settings()
    return _settings
