"""Step load, to find the knee: `step_users` more users every `step_duration` s, `steps` times, then stop.

Throughput grows with each step until the server saturates; from the knee on, only latency grows.
`--shape-scale 0.1` makes each step 3 s (5 min in 30 s).

    locust -f locustfiles/io_wait.py,locustfiles/shapes/step.py IoAsyncUser --headless \
        --host http://127.0.0.1:8000
"""

from lab.loadgen.shapes import LabShape


class StepShape(LabShape):
    """10, 20, ... 100 users, 30 s each."""

    step_users = 10
    step_duration = 30.0
    steps = 10
    spawn_rate = 10.0

    def tick(self) -> tuple[int, float] | None:
        scale = self.scale()
        step = int(self.get_run_time() // (self.step_duration * scale))
        if step >= self.steps:
            return None
        return (step + 1) * self.step_users, self.spawn_rate / scale
