"""Series, episodes and their pricing policy."""
