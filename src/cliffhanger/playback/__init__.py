"""Playback grants, the key server and per-viewer manifest delivery."""
