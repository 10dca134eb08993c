"""The shop's routers, one per concern."""
