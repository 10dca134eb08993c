"""The load generator: Locust users, shapes, the exporter plugin (inside Locust)."""
