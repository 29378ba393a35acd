"""Layer 6: money as the business sees it: the ledger verification (statements and payouts next)."""
