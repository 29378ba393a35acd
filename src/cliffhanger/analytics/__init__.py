"""Analytics: watch-event ingestion and the aggregates that rank the catalogue."""
