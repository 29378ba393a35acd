"""Cliffhanger: an engine for vertical mini-drama series."""

__version__ = "0.1.0"
