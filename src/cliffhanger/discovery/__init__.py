"""Layer 5: what viewers browse: series cards, the series page, feed, rankings, genres, search and
the library (progress, My List, history)."""
