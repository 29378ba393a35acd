"""The demo season the browser tests run against, and where it is served."""

from __future__ import annotations

from dataclasses import dataclass

# Three free episodes, then 60 coins each; a new viewer starts with 100 welcome coins, enough
# for one unlock and short for the second.
EPISODES = 6
FREE_EPISODES = 3
PRICE_COINS = 60
WELCOME_COINS = 100


@dataclass(frozen=True)
class DemoServer:
    url: str
    series_id: str
    episode_ids: list[str]

    def watch_url(self, number: int, query: str = "") -> str:
        return f"{self.url}/watch/{self.series_id}/{number}{query}"
