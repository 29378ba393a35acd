"""Layer 5: who may watch what (`rules`), and the flows that open episodes: coin unlocks, rewarded
ads, the paywall, the wallet endpoints and opening a viewer."""
