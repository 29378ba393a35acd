"""Layer 4: subscriptions and their paid periods."""
