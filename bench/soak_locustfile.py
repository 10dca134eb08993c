"""soak: the mixed traffic of `locustfiles/mixed.py` at a moderate, fixed pace, plus the process pool.

Each user sends one request a second (`constant_throughput(1)`), so `--users` is the request rate and the
machine is never saturated; `/cpu/process` keeps every worker's process pool busy too. Used by
`bench/soak.py`; it works alone as well:

    locust -f bench/soak_locustfile.py --headless -u 20 -t 5m --host http://127.0.0.1:8000
"""

from locust import constant_throughput, task

# The module, not the class: Locust would run every user class it finds in this file's namespace.
from locustfiles import mixed


class SoakUser(mixed.MixedUser):
    """soak: mixed requests at one per second per user, /cpu/process included."""

    wait_time = constant_throughput(1)

    @task(1)
    def cpu_process(self) -> None:
        self.request("cpu-process")
