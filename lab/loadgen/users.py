"""The lab's Locust users: one request per task, no wait, parameters from custom arguments.

A `LabUser` task requests a scenario of `lab.shared.scenarios` (`self.request("io-sync")`): its endpoint, with
its parameters, grouped under the route template (`name="/io/sync"`), so that Locust's statistics and the
server's `handler` label line up. Users never wait (`constant(0)`): the user count is the concurrency.

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

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from locust import FastHttpUser, constant, events
from locust.argument_parser import LocustArgumentParser
from locust.env import Environment
from locust.runners import STATE_INIT
from locust.web import WebUI

from lab.shared.scenarios import PARAMETERS, get_scenario


@events.init_command_line_parser.add_listener
def _add_arguments(parser: LocustArgumentParser, **_kwargs: Any) -> None:
    # A locustfile holds one user class per way of writing an endpoint: the web UI asks which to run.
    parser.set_defaults(class_picker=True)
    for p in PARAMETERS:
        parser.add_argument(p.option, type=int, default=p.default, env_var=p.env_var, help=p.help)


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
