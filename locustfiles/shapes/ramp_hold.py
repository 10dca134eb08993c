"""Ramp and hold: reach the target concurrency gradually, then hold it to measure the steady state.

locust -f locustfiles/io_wait.py,locustfiles/shapes/ramp_hold.py IoAsyncUser --headless \
    --host http://127.0.0.1:8000          # 5 minutes; --shape-scale 0.1 runs it in 30 s
"""

from lab.loadgen.shapes import StagesShape


class RampHoldShape(StagesShape):
    """Ramp to 50 users over 60 s, hold 50 users for 240 s (`duration` is each stage's own length)."""

    stages = [
        {"duration": 60, "users": 50, "spawn_rate": 50 / 60},
        {"duration": 240, "users": 50, "spawn_rate": 50 / 60},
    ]
