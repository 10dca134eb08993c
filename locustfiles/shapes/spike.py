"""Spike: a steady baseline, ten times the users at once, then the baseline again. Does it recover, how fast?

locust -f locustfiles/io_wait.py,locustfiles/shapes/spike.py IoAsyncUser --headless \
    --host http://127.0.0.1:8000          # 3 minutes; --shape-scale 0.1 runs it in 18 s
"""

from lab.loadgen.shapes import StagesShape


class SpikeShape(StagesShape):
    """10 users for 60 s, 100 users for 30 s, 10 users for 90 s (`duration` is each stage's own length)."""

    stages = [
        {"duration": 60, "users": 10, "spawn_rate": 10},
        {"duration": 30, "users": 100, "spawn_rate": 100},
        {"duration": 90, "users": 10, "spawn_rate": 100},
    ]
