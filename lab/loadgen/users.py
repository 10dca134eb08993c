"""The lab's Locust users: one request per task, no wait, parameters from custom arguments.

A `LabUser` task requests a scenario of `lab.shared.scenarios` (`self.request("io-sync")`): its endpoint, with
its parameters, grouped under the route template (`name="/io/sync"`), so that Locust's statistics and the
server's `handler` label line up. Users never wait (`constant(0)`): the user count is the concurrency.

Importing this module turns Locust's web UI class picker on (`--class-picker`) and registers the custom
arguments (`--io-ms`, `--cpu-ms`, `--fanout-n`, `--fanout-ms`, `--background-ms`, each with a `LAB_*`
environment variable); in distributed mode the master sends their values to the workers with each
spawn, and the web UI can change them between tests.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from locust import FastHttpUser, constant, events
from locust.argument_parser import LocustArgumentParser

from lab.shared.scenarios import PARAMETERS, get_scenario


@events.init_command_line_parser.add_listener
def _add_arguments(parser: LocustArgumentParser, **_kwargs: Any) -> None:
    # A locustfile holds one user class per way of writing an endpoint: the web UI asks which to run.
    parser.set_defaults(class_picker=True)
    for p in PARAMETERS:
        parser.add_argument(p.option, type=int, default=p.default, env_var=p.env_var, help=p.help)


class LabUser(FastHttpUser):
    """Base of the lab's users: no wait, and `request(scenario)` for one GET of a scenario's endpoint."""

    abstract = True
    wait_time = constant(0)

    def request(self, scenario: str) -> None:
        """GET the endpoint of `scenario`, with its parameters from the current options."""
        s = get_scenario(scenario)
        if s.handler is None:
            raise ValueError(f"scenario {scenario!r} has no single endpoint")
        query = urlencode(s.query(self.environment.parsed_options))
        self.client.get(f"{s.handler}?{query}" if query else s.handler, name=s.handler)
