"""Payment and ad providers behind one shape: each turns an authenticated inbound request into
provider-neutral `InboundEvent`s (`inbox.service`) for the payment webhooks (`orders.webhooks`),
and knows how to start or query a payment on its side."""

from __future__ import annotations
