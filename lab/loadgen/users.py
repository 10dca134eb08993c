"""The lab's Locust users: one request per task, no wait, parameters from custom arguments.

A `LabUser` task requests a scenario of `lab.shared.scenarios` (`self.request("io-sync")`): its endpoint, with
its parameters, grouped under the route template (`name="/io/sync"`), so that Locust's statistics and the
server's `handler` label line up. Users never wait (`constant(0)`): the user count is the concurrency.

`--lab-rate R` (LAB_RATE; issue 12 §2) switches them to an open model: the users share R requests per
second, each sending on a fixed schedule of `users / R` seconds (from a random phase, so they interleave),
whatever its responses: every request runs in a greenlet of its own, so a slow response delays no other
send (a closed loop's coordinated omission). A request waits for one of its user's connections
(FastHttpUser's `concurrency`, 10) when all are busy, and that wait counts in its response time, as it
would for a client arriving on time. Each request carries its due time in its context (`DUE`), and
lab.loadgen.latency measures its latency from then (coordinated omission corrected, issue 25).
`lab compare --rate` sets it; a user's own locustfile keeps its own `wait_time`.

Importing this module turns Locust's web UI class picker on (`--class-picker`) and registers the custom
arguments (`--io-ms`, `--cpu-ms`, `--fanout-n`, `--fanout-ms`, `--background-ms`, each with a `LAB_*`
environment variable); in distributed mode the master sends their values to the workers with each
spawn, and the web UI can change them between tests.

The picker starts with one class ticked, not all of them (Locust's default: Start would then mix
`IoBlockingUser`, which stops the server's loop, into every test): the classes of the last test, before
the first one those named on the command line (`lab up` names `IoAsyncUser`), else the first class of
the first locustfile. Locust 2.47's web UI ticks `available_user_classes` and lists the rows of `users`:
the first is narrowed to that choice, the second keeps every class, so any can still be ticked (its
"all" checkbox then toggles the pre-ticked choice).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import gevent
from gevent.pool import Group
from locust import FastHttpUser, events
from locust.argument_parser import LocustArgumentParser
from locust.env import Environment
from locust.runners import STATE_INIT
from locust.web import WebUI

import lab.loadgen.clock  # noqa: F401  (--run-time on time, whatever the start-up took)
from lab.loadgen.latency import DUE
from lab.shared.scenarios import PARAMETERS, get_scenario

RATE_OPTION = "--lab-rate"
RATE_USERS_OPTION = "--lab-rate-users"  # the users of the whole run that share the rate (workers too)


@events.init_command_line_parser.add_listener
def _add_arguments(parser: LocustArgumentParser, **_kwargs: Any) -> None:
    # A locustfile holds one user class per way of writing an endpoint: the web UI asks which to run.
    parser.set_defaults(class_picker=True)
    for p in PARAMETERS:
        parser.add_argument(p.option, type=int, default=p.default, env_var=p.env_var, help=p.help)
    parser.add_argument(
        RATE_OPTION,
        type=float,
        default=0.0,
        env_var="LAB_RATE",
        help="open model: requests per second shared by the users, sent on schedule whatever the "
        "responses (0: closed loop, no wait)",
    )
    parser.add_argument(
        RATE_USERS_OPTION,
        type=int,
        default=0,
        env_var="LAB_RATE_USERS",
        help="open model: the users of the whole run that share the rate; a Locust master passes it to its "
        "workers, each of which runs only its share of the users (0: this process's users)",
    )


def preselected(environment: Environment) -> list[str]:
    """The user classes the picker starts with ticked (see the module's docstring)."""
    available = list(environment.available_user_classes or {})
    runner = environment.runner
    if runner is not None and runner.state != STATE_INIT:  # a test ran: its choice
        chosen = [c.__name__ for c in environment.user_classes]
    else:
        chosen = list(getattr(environment.parsed_options, "user_classes", None) or [])
    chosen = [name for name in chosen if name in available]
    return chosen or available[:1]


@events.init.add_listener
def _preselect_in_picker(environment: Environment, web_ui: WebUI | None = None, **_kwargs: Any) -> None:
    if web_ui is None or not web_ui.userclass_picker_is_active:
        return
    update: Callable[[], None] = web_ui.update_template_args

    def update_template_args() -> None:
        update()
        web_ui.template_args["available_user_classes"] = preselected(environment)

    web_ui.update_template_args = update_template_args  # type: ignore[method-assign]


class LabUser(FastHttpUser):
    """Base of the lab's users: no wait (or a schedule, with --lab-rate), and `request(scenario)` for one GET
    of a scenario's endpoint."""

    abstract = True
    # Class-level too: the closed loop (no schedule) holds even for an instance built without __init__.
    _next: float | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_flight = Group()  # open model: the requests sent and not yet answered
        self._next: float | None = None  # open model: when the next request is due (monotonic)

    def period(self) -> float:
        """Seconds between two sends of this user in the open model; 0 for a closed loop."""
        rate = float(getattr(self.environment.parsed_options, "lab_rate", 0.0) or 0.0)
        if rate <= 0:
            return 0.0
        options, runner = self.environment.parsed_options, self.environment.runner
        # Every user of the run sends one request per users / rate seconds; a worker of a Locust master
        # runs a share of them, so the run's count comes from the master (--lab-rate-users).
        users = (
            getattr(options, "lab_rate_users", 0)
            or getattr(runner, "target_user_count", None)
            or options.num_users
            or 1
        )
        return float(users) / rate

    def wait_time(self) -> float:
        if self._next is None:  # closed loop: no wait, the user count is the concurrency
            return 0.0
        # The schedule is absolute: a user that fell behind (its sends were delayed) catches up at once.
        self._next += self.period()
        return max(0.0, self._next - time.monotonic())

    def on_stop(self) -> None:
        # Stopped (Locust runs on_stop on its GreenletExit): the requests still in flight are abandoned
        # like a closed-loop user's (lab.loadgen.abandoned counts them).
        self._in_flight.kill(block=True)

    def request(self, scenario: str) -> None:
        """GET the endpoint of `scenario`, with its parameters from the current options."""
        s = get_scenario(scenario)
        if s.handler is None:
            raise ValueError(f"scenario {scenario!r} has no single endpoint")
        query = urlencode(s.query(self.environment.parsed_options))
        url, name = (f"{s.handler}?{query}" if query else s.handler), s.handler
        period = self.period()
        if period <= 0:
            self.client.get(url, name=name)
            return
        if self._next is None:  # the first send: a random phase, so the users interleave
            gevent.sleep(random.uniform(0.0, period))
            self._next = time.monotonic()
        # Its due time goes with it: lab.loadgen.latency measures the corrected latency from there (issue 25).
        self._in_flight.spawn(self.client.get, url, name=name, context={DUE: self._next})
