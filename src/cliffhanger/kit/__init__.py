"""Layer 0: the plumbing every domain stands on (settings, database, queue, storage, security,
errors, uploads, rate limits, runtime, HTTP dependencies). Imports no domain."""
