"""TikTok for Developers: the OAuth v2 and Open API client and webhook signatures.

Used by commerce (viewer login with `TTMinis.login` codes, Beans trade orders) and, later, by
publishing. Everything talks to `Settings.tiktok_api_base`, so tests point it at a local fake.
"""
