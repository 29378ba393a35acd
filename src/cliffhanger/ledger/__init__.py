"""Layer 3: the coin ledger: double-entry transfers, coin lots, debt, entitlements, wallets and
the welcome grant."""
