"""Think time measured from Locust (issue 21 §1) against a real server; `wait_time` as Locust sees it."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.runtime.launcher import Server
from lab.shared.scenarios import EXPORTER_PLUGIN
from tests.locust_support import run_locust, run_python

LOCUSTFILE = '''
from locust import FastHttpUser, between, task


class Browsing(FastHttpUser):
    """Two requests per task: the second follows the first at once (a think of ~0)."""

    wait_time = between(0.2, 0.4)

    @task
    def look(self):
        self.client.get("/io/async?ms=1", name="/io/async")
        self.client.get("/io/async?ms=1", name="/io/async")
'''


@pytest.mark.slow
@pytest.mark.serial  # asserts what a run measured: never beside another test
@pytest.mark.parametrize("processes", [0, 2], ids=["local", "processes-2"])
def test_think_time_is_the_gap_to_the_same_users_next_request(
    single_server: Server, tmp_path: Path, processes: int
) -> None:
    """Half the gaps are the wait (0.2..0.4 s, mean 0.3), half follow a response at once: mean ~0.15 s,
    merged over the workers' reports. 2 s: some 36 waits (sd 58 ms each) among 72 gaps, whose mean has an
    sd near 5 ms: the band is 40 ms and more from 150 ms."""
    locustfile = tmp_path / "browsing.py"
    locustfile.write_text(LOCUSTFILE)
    result = run_locust(
        [locustfile, EXPORTER_PLUGIN], ["Browsing"], host=single_server.url, out_dir=tmp_path,
        users=6, processes=processes, run_time=2,
    )  # fmt: skip
    assert result.returncode == 0, result.log
    count = result.metric("locust_think_seconds_count")
    requests = result.metric("locust_requests_total")
    # Every request but each user's first has a gap before it.
    assert requests - 6 * (processes or 1) <= count <= requests, (count, requests)
    think = result.metric("locust_think_seconds_sum") / count * 1000
    assert 110 <= think <= 200, think


WAITS = """
from locust import HttpUser, between, constant, constant_pacing, constant_throughput, poisson, task


class Base(HttpUser):
    abstract = True

    @task
    def t(self):
        pass


class Plain(Base):
    pass


class Waits(Base):
    wait_time = between(0.5, 1.5)


class Paced(Base):
    wait_time = constant_pacing(2)


class Throughput(Base):
    wait_time = constant_throughput(1)


class Arrivals(Base):
    wait_time = poisson(4)


class Fixed(Base):
    wait_time = constant(0.25)


class Own(Base):
    def wait_time(self):
        return 1.0
"""

DESCRIBE = """
import json, sys
from locust.util.load_locustfile import load_locustfile
from lab.loadgen.wait import describe, no_wait
users, _ = load_locustfile(sys.argv[1])
waits = {name: describe(cls) for name, cls in users.items()}
print(json.dumps({
    "waits": {name: [w.text, w.mean_s] for name, w in waits.items()},
    "no_wait_plain": no_wait([waits["Plain"]]),
    "no_wait_mixed": no_wait([waits["Plain"], waits["Waits"]]),
}))
"""


def test_wait_time_as_locust_sees_it(tmp_path: Path) -> None:
    locustfile = tmp_path / "waits.py"
    locustfile.write_text(WAITS)
    found = run_python(DESCRIBE, str(locustfile))
    assert found["waits"] == {
        "Plain": ["constant(0)", 0.0],
        "Waits": ["between(0.5, 1.5)", 1.0],
        "Paced": ["constant_pacing(2)", None],
        "Throughput": ["constant_throughput(1)", None],
        "Arrivals": ["poisson(4)", 0.25],
        "Fixed": ["constant(0.25)", 0.25],
        "Own": ["custom (Own.wait_time)", None],
    }
    assert found["no_wait_plain"] is True
    assert found["no_wait_mixed"] is False
