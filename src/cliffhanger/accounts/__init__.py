"""Organisations, their API keys, and viewers (anonymous device identities)."""
