"""The processes the orchestrator starts: servers, Locust runs, Prometheus."""
