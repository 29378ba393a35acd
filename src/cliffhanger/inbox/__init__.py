"""The inbox: external events (payment webhooks, ad rewards, publishing callbacks) recorded once
and applied exactly once."""
