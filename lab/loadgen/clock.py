"""Locust's `--run-time` on time: a Locust plugin, loaded by `import lab.loadgen.clock` (lab_plugin does).

gevent's timers count from the event loop's cached "now", which only moves when the loop runs. Locust's
start-up (imports, options, the runner) runs without yielding to it, and `--run-time`'s timer is set right
after: it fires early by the whole start-up, one to four seconds on a busy 2-core machine, so a 2 s cell
measured 0.2 to 1.5 s (issue 25, found measuring short cells). Refreshing the loop's time when Locust's
`init` fires, just before the headless run sets its timer, makes the run last what it was asked.
"""

from __future__ import annotations

from typing import Any

import gevent
from locust import events


@events.init.add_listener
def _on_init(**_kw: Any) -> None:
    gevent.get_hub().loop.update_now()
