"""Layer 0: clients of external platforms (TikTok), with no database."""
