"""Local fakes of external platforms, implementing their documented contracts."""
