"""Mean value analysis: throughput X(N) and response time R(N) of a closed loop of N users (issue 21 §2).

Exact MVA (Reiser and Lavenberg; Lazowska et al. ch. 6) for a closed, single-class, product-form network
of queueing stations and delay stations, with think time Z:

    R_k(n) = D_k x (1 + Q_k(n - 1))      a queueing station: the arrival theorem
    R_k(n) = D_k                          a delay station (no queue)
    X(n)   = n / (Z + sum_k R_k(n)),      Q_k(n) = X(n) x R_k(n)

A station of c servers (thread-pool tokens, cores, connections) is approximated as Seidmann et al. (1987)
do: a queueing station of demand D / c in series with a delay of D x (c - 1) / c. At one user it adds D,
as the real station does; at many users it saturates at c / D, as the real one does; in between it
queues a little early (the approximation is pessimistic near the knee).

`sweep` builds the lab's network from a cell's demands: the binding resource of the bounds (not the users)
as the one multi-server station, everything else of R0 as a delay. Resources hold one another (a token is
held while the CPU works), so summing them as separate stations would count their time twice; the
network keeps the one that saturates first, which is what sets the curve's knee and its plateau.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lab.model.bounds import Bound, bounds, ceiling
from lab.model.inputs import Capacity, Demands, Load, ModelInputError


@dataclass(frozen=True)
class Station:
    name: str
    demand_s: float
    delay: bool = False  # True: infinite servers (no queue)


@dataclass(frozen=True)
class Point:
    users: int
    rps: float  # X(N)
    response_ms: float  # R(N), think time excluded


def seidmann(name: str, demand_s: float, servers: float) -> list[Station]:
    """A `servers`-server station as a queue of demand D / c and a delay of D (c - 1) / c.

    Under one server (a share of a core: Locust left the server 0.6 of one), one server as slow as
    that share: a queue of demand D / c, and no delay."""
    if not servers > 0:
        raise ModelInputError(f"a station needs servers > 0, got {servers}")
    stations = [Station(name, demand_s / servers)]
    if servers > 1:
        stations.append(Station(f"{name} (parallel part)", demand_s * (servers - 1) / servers, delay=True))
    return stations


def mva(stations: Sequence[Station], think_s: float, users: int) -> list[Point]:
    """X(n), R(n) for n = 1..users by exact MVA."""
    if users < 1:
        raise ModelInputError(f"users must be >= 1, got {users}")
    queue = [0.0] * len(stations)
    points = []
    for n in range(1, users + 1):
        residence = [
            s.demand_s if s.delay else s.demand_s * (1 + q) for s, q in zip(stations, queue, strict=True)
        ]
        response = sum(residence)
        x = n / (think_s + response) if think_s + response > 0 else float("inf")
        queue = [x * r for r in residence]
        points.append(Point(n, x, response * 1000))
    return points


_HELD = {  # resource -> the Demands field it holds
    "cpu": "cpu_ms", "threadpool": "threadpool_ms", "loop": "loop_ms", "db_pool": "db_pool_ms",
    "process_pool": "process_pool_ms",
}  # fmt: skip


def servers(resource: str, capacity: Capacity) -> float:
    """How many requests the resource serves at once (as the bounds count them)."""
    per_worker = {
        "threadpool": capacity.threadpool, "db_pool": capacity.db_pool or 1,
        "process_pool": capacity.process_pool or 1, "loop": 1,
    }  # fmt: skip
    if resource == "cpu":
        return capacity.cpu_servers
    return capacity.balanced * per_worker[resource]


def saturating(demands: Demands, capacity: Capacity) -> Bound | None:
    """The bound of the first resource a request holds to saturate (None: it holds none)."""
    return ceiling([b for b in bounds(demands, capacity, Load(users=1)) if b.resource in _HELD])


def network(demands: Demands, capacity: Capacity, top: Bound | None) -> list[Station]:
    """The lab's network for these demands: `top`, the first resource to saturate (`saturating`), and the
    rest of R0 as a delay."""
    if top is None:
        return [Station("the rest of R0", demands.wall_ms / 1000, delay=True)]
    # Work that outlives the response (a background task) holds the resource but not the user: the cycle
    # counts at most R0 of it, and `sweep` keeps X under the resource's bound.
    demand_ms = min(float(getattr(demands, _HELD[top.resource])), demands.wall_ms)
    stations = seidmann(top.resource, demand_ms / 1000, servers(top.resource, capacity))
    rest = max(demands.wall_ms - demand_ms, 0.0)
    return [*stations, Station("the rest of R0", rest / 1000, delay=True)]


def sweep(demands: Demands, capacity: Capacity, think_ms: float, users: Sequence[int]) -> list[Point]:
    """The predicted curve at each of `users` (a `--users` sweep)."""
    if not users:
        return []
    top = saturating(demands, capacity)
    curve = mva(network(demands, capacity, top), think_ms / 1000, max(users))
    limit = top.rps if top is not None else float("inf")
    return [_under(curve[n - 1], limit, think_ms) for n in users]


def _under(point: Point, limit: float, think_ms: float) -> Point:
    """The point held under a resource's bound (R from the interactive response time law, N / X - Z)."""
    if point.rps <= limit:
        return point
    return Point(point.users, limit, max(point.users / limit * 1000 - think_ms, 0.0))
