"""Money: the coin ledger, wallets, unlocks and entitlements."""
