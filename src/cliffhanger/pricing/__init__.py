"""Layer 3: what things cost: series prices and price locks, channel discounts, offers."""
