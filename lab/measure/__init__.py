"""The measurement of one cell: drain, watch the server, run Locust, finish the window."""
