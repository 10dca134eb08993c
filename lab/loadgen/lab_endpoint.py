"""One endpoint, closed loop: `EndpointUser` requests `--lab-endpoint "GET /items/1"` with no wait.

The locustfile of `lab compare --endpoint 'GET /items/1'` (issue 11 §3), for an app without a locustfile:

    locust -f lab/loadgen/lab_endpoint.py --lab-endpoint "GET /items/1" --host http://127.0.0.1:8000

The request is named as the path is given (`/items/1`; the server labels it with its route template).
`--lab-endpoint` (env LAB_ENDPOINT) shows in the web UI, which may change it between tests; a headless
run without a valid one stops at once with exit code 2.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from locust import FastHttpUser, constant, events, task
from locust.argument_parser import LocustArgumentParser
from locust.env import Environment

import lab.loadgen.metrics  # noqa: F401  (the Prometheus exporter)
from lab.shared.scenarios import ENDPOINT_OPTION, parse_endpoint

logger = logging.getLogger(__name__)


@events.init_command_line_parser.add_listener
def _add_arguments(parser: LocustArgumentParser, **_kwargs: Any) -> None:
    parser.add_argument(
        ENDPOINT_OPTION, default="", env_var="LAB_ENDPOINT",
        help="The request of EndpointUser: METHOD /path, e.g. 'GET /items/1'.",
    )  # fmt: skip


@events.init.add_listener
def _check(environment: Environment, **_kwargs: Any) -> None:
    options = environment.parsed_options
    if options is None or not options.headless:  # the web UI can still set it before a test
        return
    try:
        parse_endpoint(options.lab_endpoint, ENDPOINT_OPTION)
    except ValueError as exc:
        logger.error("%s", exc)
        sys.exit(2)


class EndpointUser(FastHttpUser):
    """METHOD /path of --lab-endpoint, again and again with no wait: the users are the concurrency."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.method, self.path = parse_endpoint(self.environment.parsed_options.lab_endpoint, ENDPOINT_OPTION)

    @task
    def request(self) -> None:
        self.client.request(self.method, self.path, name=self.path)
