"""Web front ends served by the FastAPI app: the viewer app (and later the studio pages)."""
