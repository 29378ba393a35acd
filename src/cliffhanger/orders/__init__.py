"""Layer 4: buying: orders through payment providers, payment webhooks, series passes, spend
caps, the sandbox gateway and TikTok Minis."""
